namespace EndToEnd.Tests;

/// <summary>The tests over the demo casino share one (it takes a while to load), and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DemoTests : ICollectionFixture<DemoCasino>
{
    public const string Name = "demo casino";
}
