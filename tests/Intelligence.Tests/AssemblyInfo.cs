using TestSupport;

[assembly: AssemblyFixture(typeof(StoreServers))]
