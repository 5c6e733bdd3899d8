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
/// <c>crm-key</c> (scores:read), <c>admin-key</c> (models:admin webhooks:write segments:write scores:read affiliates:read).
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
                ["ApiKeys:1:Scopes"] = "models:admin webhooks:write segments:write scores:read audit:read segments:export affiliates:read",
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

    /// <summary>
    /// A client that waits out a 503 with Retry-After (the partitioned index still loading a share another instance of
    /// the same store just left, as tests sharing one casino start and stop theirs) for up to three minutes (on a loaded
    /// 2-core runner a share took over one to come back), as a well-behaved CRM client would.
    /// </summary>
    public HttpClient PatientClientWithKey(string key)
    {
        var client = CreateDefaultClient(new RetryWhileIndexLoads());
        // The handler waits out 503s for up to 3 minutes; HttpClient's own 100 s must not cut that short (it did in CI,
        // while another test's instance of the same casino still held index partitions).
        client.Timeout = TimeSpan.FromMinutes(4);
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private sealed class RetryWhileIndexLoads : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var type = request.Content?.Headers.ContentType;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = type;
                }
                var response = await base.SendAsync(request, cancellationToken);
                if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null
                    || waited.Elapsed > TimeSpan.FromMinutes(3))
                {
                    return response;
                }
                response.Dispose();
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    public IDatabase Db => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
}
