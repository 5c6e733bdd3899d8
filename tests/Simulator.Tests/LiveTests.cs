using System.Net;
using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using Simulator.Live;
using StackExchange.Redis;
using TestSupport;

namespace Simulator.Tests;

public sealed class LiveTests(StoreServers servers)
{
    [Fact]
    public async Task OperatorApi_ServesTheGameListWithAnETag_AndThePam()
    {
        var world = World.Create(4, 50, 30, HistoryFiles.End);
        var sim = world.Simulate(3, 0);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.MapOperatorApi(world.Games, id => id == sim.Player.Id ? sim : null);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();

        using var first = await client.GetAsync(OperatorApi.GamesPath, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotNull(first.Headers.ETag);
        using var again = new HttpRequestMessage(HttpMethod.Get, OperatorApi.GamesPath);
        again.Headers.IfNoneMatch.Add(first.Headers.ETag);
        using var second = await client.SendAsync(again, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);

        var details = JsonSerializer.Deserialize(await client.GetByteArrayAsync($"/pam/userdetails/{sim.Player.Id}", TestContext.Current.CancellationToken),
            FastTrackJsonContext.Default.FastTrackUserDetails)!;
        Assert.Equal((sim.Player.Country, sim.Player.Currency), (details.Country, details.Currency));
        var consents = JsonSerializer.Deserialize(await client.GetByteArrayAsync($"/pam/userconsents/{sim.Player.Id}", TestContext.Current.CancellationToken),
            FastTrackJsonContext.Default.FastTrackUserConsents)!;
        Assert.Contains(consents.Consents!, c => c.Type == "email" && c.OptedIn == sim.State.EmailConsent);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/pam/userblocks/p-nobody", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task LiveFeed_StreamsAllThreeFormatsThroughTheRealAdapters_WithoutARejection()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sim-live-" + Guid.NewGuid().ToString("N"));
        using var key = Hub88Keys.LoadOrCreate(dir);
        var prefix = TestKeys.Prefix();
        await using var ingestion = new WebApplicationFactory<Ingestion.IngestionEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = servers.RedisAsync().GetAwaiter().GetResult().ConnectionString,
                ["Store:KeyPrefix"] = prefix,
                ["EmbeddedStore:Enabled"] = "false",
                ["ApiKeys:0:Name"] = "simulator",
                ["ApiKeys:0:Key"] = "sim-key",
                ["ApiKeys:0:Scopes"] = "events:write events:rg",
                ["Hub88:Enabled"] = "true",
                ["Hub88:PublicKeyPath"] = Path.Combine(dir, Hub88Keys.PublicFile),
                ["Sumsub:Enabled"] = "true",
                ["Sumsub:SecretKey"] = SumsubWebhooks.LoadOrCreateSecret(dir),
            }));
        });
        using var http = ingestion.CreateClient();
        var world = World.Create(9, 60, 20, DateTimeOffset.UtcNow.AddMinutes(-5));
        using var log = new StringWriter();
        var feed = new LiveFeed(world, new LiveOptions(http.BaseAddress!, "sim-key", 300, new FaultRates(0.05, 0.05, 0, 0.02), dir,
            TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1), SumsubWebhooks.LoadOrCreateSecret(dir), TimeSpan.FromMilliseconds(250)), http, key, log);
        feed.Prepare();
        await feed.RunAsync(TestContext.Current.CancellationToken);

        Assert.True(feed.Sent > 300, log.ToString());
        Assert.True(feed.Failures == 0, log.ToString());
        Assert.All(Enum.GetValues<Feed>(), f => Assert.True(feed.SentVia(f) > 0, $"nothing sent via {f}"));
        var db = ingestion.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var keys = new StoreKeys(prefix);
        var played = 0;
        for (var i = 0; i < world.PlayerCount; i++) played += await db.KeyExistsAsync(keys.Profile(Population.Player.IdOf(i))) ? 1 : 0;
        Assert.True(played > 5, $"{played} profiles");

        // KYC went as Sumsub's signed webhooks through its adapter, every one recorded, and the profiles hold its verdicts.
        Assert.True(feed.SentVia(Feed.Sumsub) > 0, log.ToString());
        Assert.Equal(0, feed.FailuresVia(Feed.Sumsub));
        Assert.True(feed.KycVerdicts.Keys.Any(k => k != "pending"), string.Join(", ", feed.KycVerdicts));
        var reviewed = 0;
        for (var i = 0; i < world.PlayerCount; i++)
        {
            var kyc = await db.HashGetAsync(keys.Profile(Population.Player.IdOf(i)), ["kyc", "kycx"]);
            if (kyc[1].ToString().Contains("|sumsub|", StringComparison.Ordinal) && kyc[0] is var status && status != "pending") reviewed++;
        }
        Assert.True(reviewed > 0, "no profile holds a Sumsub review");
    }
}
