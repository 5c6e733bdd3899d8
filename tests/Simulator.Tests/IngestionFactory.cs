using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using TestSupport;

namespace Simulator.Tests;

/// <summary>The Ingestion service in-process against a test store, under its own key prefix, with one events:write key.</summary>
internal sealed class IngestionFactory(string redis, string prefix = "simulator") : WebApplicationFactory<Ingestion.IngestionEntryPoint>
{
    public const string Key = "sim-key";

    public string Prefix { get; } = TestKeys.Prefix(prefix);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = Prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "simulator",
            ["ApiKeys:0:Key"] = Key,
            ["ApiKeys:0:Scopes"] = "events:write events:rg",
        }));
    }
}
