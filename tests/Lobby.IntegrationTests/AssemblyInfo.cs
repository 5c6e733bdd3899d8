using Lobby.IntegrationTests;

[assembly: AssemblyFixture(typeof(Backends))]
