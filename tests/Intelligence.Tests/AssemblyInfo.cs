using TestSupport;

[assembly: AssemblyFixture(typeof(StoreServers))]
[assembly: AssemblyFixture(typeof(Intelligence.Tests.Support.SimulatedCasino))]
