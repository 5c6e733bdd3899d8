using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace Simulator.Tests;

/// <summary>
/// The Ingestion service in-process against a test store, under its own key prefix, with an events:write key and an
/// ops:read key; on <see cref="Clock"/> when a test replays dated traffic, with <see cref="Settings"/> over its own.
/// </summary>
internal sealed class IngestionFactory(string redis, string prefix = "simulator") : WebApplicationFactory<Ingestion.IngestionEntryPoint>
{
    public const string Key = "sim-key";
    public const string OpsKey = "sim-ops-key";

    public string Prefix { get; } = TestKeys.Prefix(prefix);

    public TimeProvider? Clock { get; init; }

    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Off: the operations gauges (and the ops alerts they judge) run only when the test calls them.</summary>
    public bool SampleInBackground { get; init; } = true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (Clock is { } clock) builder.ConfigureTestServices(s => s.AddSingleton(clock));
        if (!SampleInBackground)
        {
            // AddFeedStats registers the gauges' loop as a hosted service resolving the OperationsGauges singleton.
            builder.ConfigureTestServices(s =>
            {
                var removed = 0;
                foreach (var d in s.Where(d => d.ServiceType == typeof(IHostedService)
                    && d.ImplementationFactory?.Method.DeclaringType?.FullName?.StartsWith(typeof(Ingestion.Feeds.FeedsApi).FullName!, StringComparison.Ordinal) == true).ToList())
                {
                    s.Remove(d);
                    removed++;
                }
                if (removed != 1) throw new InvalidOperationException($"expected the gauges' one hosted service, found {removed}");
            });
        }
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = Prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "simulator",
            ["ApiKeys:0:Key"] = Key,
            ["ApiKeys:0:Scopes"] = "events:write events:rg",
            ["ApiKeys:1:Name"] = "on-call",
            ["ApiKeys:1:Key"] = OpsKey,
            ["ApiKeys:1:Scopes"] = "ops:read",
        };
        foreach (var (k, v) in Settings) settings[k] = v;
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings));
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}
