using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Tests;

/// <summary>
/// The Intelligence service in-process against a real store, with its own key prefix (pass the same prefix to an
/// <c>Ingestion.IntegrationTests</c>-style Ingestion host to share profiles) and API keys:
/// <c>crm-key</c> (scores:read), <c>admin-key</c> (models:admin webhooks:write segments:write scores:read).
/// Background workers that need a schedule are configured through <paramref name="extra"/>; <paramref name="clock"/>
/// replaces the service's clock (a casino's fixed day), null keeps the system clock.
/// </summary>
public sealed class IntelligenceApp(string redisConnectionString, string? prefix = null, IDictionary<string, string?>? extra = null, TimeProvider? clock = null)
    : WebApplicationFactory<IntelligenceEntryPoint>
{
    public const string CrmKey = "crm-key";
    public const string AdminKey = "admin-key";

    public string Prefix { get; } = prefix ?? TestSupport.TestKeys.Prefix("intelligence");

    public StoreKeys Keys => new(Prefix);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (clock is not null) builder.ConfigureTestServices(s => s.AddSingleton(clock));
        builder.ConfigureAppConfiguration(c =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = redisConnectionString,
                ["Store:KeyPrefix"] = Prefix,
                // Test receivers listen on 127.0.0.1 (ReceiverAddresses refuses loopback unless allowed).
                ["Webhooks:AllowPrivateAddresses"] = "true",
                ["ApiKeys:0:Name"] = "crm",
                ["ApiKeys:0:Key"] = CrmKey,
                ["ApiKeys:0:Scopes"] = "scores:read",
                ["ApiKeys:1:Name"] = "admin",
                ["ApiKeys:1:Key"] = AdminKey,
                ["ApiKeys:1:Scopes"] = "models:admin webhooks:write segments:write scores:read",
                // Tests train when they mean to; a host must not start a training run of its own behind them.
                ["Training:TrainWhenMissing"] = "false",
                // A test starts its instances one at a time: nobody to wait for before loading the index.
                ["Segments:JoinSettle"] = "00:00:00",
                // Every member sees what a test sets up for them; the experiments tests set their control groups.
                ["Experiments:DefaultControlShare"] = "0",
                ["Experiments:LobbyControlShare"] = "0",
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

    public IDatabase Db => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
}
