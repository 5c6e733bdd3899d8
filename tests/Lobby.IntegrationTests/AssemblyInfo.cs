using Lobby.IntegrationTests;

[assembly: AssemblyFixture(typeof(Backend))]
