using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The Ingestion service in-process against a real store, with its own key prefix and API keys:
/// <c>wallet-key</c> (events:write), <c>ops-key</c> (catalog:write players:erase), and <c>signed-key</c>
/// (events:write, bodies must be HMAC-signed with <c>SigningSecret</c>).
/// </summary>
public sealed class IngestionApp(string redisConnectionString, IDictionary<string, string?>? extra = null)
    : WebApplicationFactory<IngestionEntryPoint>
{
    public const string WalletKey = "wallet-key";
    public const string OpsKey = "ops-key";
    public const string SignedKey = "signed-key";
    public const string SigningSecret = "shhh-wallet-signing-secret";

    public string Prefix { get; } = TestSupport.TestKeys.Prefix("ingestion");

    public StoreKeys Keys => new(Prefix);

    /// <summary>The service's clock, when a test's events are dated (null: the system clock).</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Where the host's log entries also go, when a test asserts on them.</summary>
    public ILoggerProvider? Logs { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (Logs is not null) builder.ConfigureLogging(l => l.AddProvider(Logs));
        if (Clock is { } clock) builder.ConfigureTestServices(s => s.AddSingleton(clock));
        builder.ConfigureAppConfiguration(c =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = redisConnectionString,
                ["Store:KeyPrefix"] = Prefix,
                ["EmbeddedStore:Enabled"] = "false",
                ["ApiKeys:0:Name"] = "wallet",
                ["ApiKeys:0:Key"] = WalletKey,
                ["ApiKeys:0:Scopes"] = "events:write events:rg",
                ["ApiKeys:1:Name"] = "ops",
                ["ApiKeys:1:Key"] = OpsKey,
                ["ApiKeys:1:Scopes"] = "catalog:write players:erase ops:read",
                ["ApiKeys:2:Name"] = "signed-wallet",
                ["ApiKeys:2:Key"] = SignedKey,
                ["ApiKeys:2:Scopes"] = "events:write events:rg",
                ["ApiKeys:2:SigningSecret"] = SigningSecret,
            };
            foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
            c.AddInMemoryCollection(settings);
        });
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public IDatabase Db => Services.GetService(typeof(IConnectionMultiplexer)) is IConnectionMultiplexer m ? m.GetDatabase() : throw new InvalidOperationException();
}
