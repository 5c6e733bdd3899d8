using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Recommendations;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Recommendations;

/// <summary>
/// The <c>device</c> parameter end to end, on a real store: profiles carry the last device as the fold writes it
/// (<c>dev</c>), the model is trained from them at start-up. In MT, phone players play crash games (g-orbit-0..2),
/// desktop players table games (g-misc-0..2), and both play the slot g-ra-0.
/// </summary>
public sealed class DeviceApiTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = AnchoredClock.Anchor;
    private static readonly long NowMs = Now.ToUnixTimeMilliseconds();

    private static async Task PlayerAsync(IDatabase db, StoreKeys keys, string id, string? device, params string[] games)
    {
        var profile = new List<HashEntry> { new("cty", "MT"), new("c:email", "1") };
        if (device is not null) profile.AddRange([new("dev", device), new("@dev", NowMs)]);
        await db.HashSetAsync(keys.Profile(id), [.. profile]);
        if (games.Length > 0)
        {
            await db.HashSetAsync(keys.Games(id), games.SelectMany(g => new HashEntry[] { new($"{g}:n", 30), new($"{g}:s", 300_000), new($"{g}:t", NowMs - 3_600_000) }).ToArray());
        }
        await db.SetAddAsync(keys.Players, id);
    }

    private static async Task<IntelligenceApp> StartAsync(string connection)
    {
        var prefix = TestKeys.Prefix("recs-device");
        var keys = new StoreKeys(prefix);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connection))
        {
            var db = redis.GetDatabase();
            await db.HashSetAsync(keys.Catalog, TestCatalogue.Games().Select(g => new HashEntry(g.Id, JsonSerializer.Serialize(g, ContractsJsonContext.Default.Game))).ToArray());
            for (var i = 0; i < 20; i++)
            {
                await PlayerAsync(db, keys, $"p-m{i}", "mobile", "g-orbit-0", "g-orbit-1", "g-orbit-2", "g-ra-0");
                await PlayerAsync(db, keys, $"p-d{i}", "desktop", "g-misc-0", "g-misc-1", "g-misc-2", "g-ra-0");
            }
            await PlayerAsync(db, keys, "p-new-mobile", "mobile");
            await PlayerAsync(db, keys, "p-new-desktop", "desktop");
            await PlayerAsync(db, keys, "p-new-unknown", null);
            await PlayerAsync(db, keys, "p-fan", "mobile", "g-ra-0");
        }
        var app = new IntelligenceApp(connection, prefix, new Dictionary<string, string?> { ["Recommendations:MaxPerProviderInTen"] = "10" }, new FrozenClock(Now));
        using var _ = app.CreateClient();
        var models = app.Services.GetRequiredService<RecommenderModels>();
        var clock = Stopwatch.StartNew();
        while (models.Model is null && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        Assert.NotNull(models.Model);
        return app;
    }

    private static async Task<RecommendationList> ListAsync(HttpClient client, string player, string query)
    {
        var response = await client.GetAsync(new Uri($"/v1/players/{player}/recommendations?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RecommendationList))!;
    }

    private static IEnumerable<(string, double, string)> Items(RecommendationList list) => list.Items.Select(i => (i.GameId, i.Score, i.Reason));

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ANewPlayersListFollowsTheirDevice_TheProfilesByDefault_AndTheParameterWhenGiven(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);

        var mobile = await ListAsync(client, "p-new-mobile", "list=for-you&limit=4");
        var desktop = await ListAsync(client, "p-new-desktop", "list=for-you&limit=4");
        // Cold start on a phone: the slot everyone plays and the crash games; on a desktop: the slot and the table games.
        Assert.Equal(["g-orbit-0", "g-orbit-1", "g-orbit-2", "g-ra-0"], mobile.Items.Select(i => i.GameId).Order(StringComparer.Ordinal));
        Assert.Equal(["g-misc-0", "g-misc-1", "g-misc-2", "g-ra-0"], desktop.Items.Select(i => i.GameId).Order(StringComparer.Ordinal));
        Assert.All(mobile.Items, i => Assert.Equal("Popular on mobile in your country", i.Reason));
        Assert.All(desktop.Items, i => Assert.Equal("Popular on desktop in your country", i.Reason));

        // The profile's device is the default; the parameter overrides it.
        Assert.Equal(Items(mobile), Items(await ListAsync(client, "p-new-mobile", "list=for-you&limit=4&device=mobile")));
        Assert.Equal(Items(desktop), Items(await ListAsync(client, "p-new-mobile", "list=for-you&limit=4&device=desktop")));
        Assert.Equal(Items(mobile), Items(await ListAsync(client, "p-new-desktop", "list=for-you&limit=4&device=mobile")));

        // No device anywhere: the market's popularity, as before devices counted.
        var unknown = await ListAsync(client, "p-new-unknown", "list=for-you&limit=7");
        Assert.All(unknown.Items, i => Assert.Equal("Popular in your country", i.Reason));
        Assert.Equal("g-ra-0", unknown.Items[0].GameId);
        Assert.Equal(Items(mobile), Items(await ListAsync(client, "p-new-unknown", "list=for-you&limit=4&device=mobile")));

        // popular-in-segment falls back to the market, on the device.
        var popular = await ListAsync(client, "p-new-mobile", "list=popular-in-segment&limit=4");
        Assert.DoesNotContain(popular.Items, i => i.GameId.StartsWith("g-misc-", StringComparison.Ordinal));
        Assert.All(popular.Items, i => Assert.Equal("Popular on mobile in your country", i.Reason));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task APlayersTaste_IsReRankedForTheDevice_AndABadDeviceIsA400NamingTheParameter(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);

        // The fan plays only the slot both groups play: their taste does not choose between crash and table games, the device does.
        static int First(RecommendationList list, string prefix) => list.Items.ToList().FindIndex(i => i.GameId.StartsWith(prefix, StringComparison.Ordinal));
        var onMobile = await ListAsync(client, "p-fan", "list=for-you&excludePlayed=true&limit=23");
        var onDesktop = await ListAsync(client, "p-fan", "list=for-you&excludePlayed=true&limit=23&device=desktop");
        Assert.True(First(onMobile, "g-orbit-") < First(onMobile, "g-misc-"), string.Join(", ", onMobile.Items.Select(i => i.GameId)));
        Assert.True(First(onDesktop, "g-misc-") < First(onDesktop, "g-orbit-"), string.Join(", ", onDesktop.Items.Select(i => i.GameId)));

        foreach (var bad in new[] { "phone", "Mobile", "" })
        {
            var response = await client.GetAsync(new Uri($"/v1/players/p-fan/recommendations?device={bad}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"device\"", body, StringComparison.Ordinal);
            Assert.Contains("desktop, mobile, tablet", body, StringComparison.Ordinal);
        }
        // A device the model has no plays for (no tablet players here) changes nothing.
        Assert.Equal(Items(await ListAsync(client, "p-new-unknown", "list=for-you&limit=5")),
            Items(await ListAsync(client, "p-new-unknown", "list=for-you&limit=5&device=tablet")));
    }
}
