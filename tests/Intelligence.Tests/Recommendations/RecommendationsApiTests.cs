using Intelligence.Models;
using System.Diagnostics;
using System.Globalization;
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
/// The recommendations API on a real store (Redis and Garnet), with profiles written in the fold's own layout
/// (<c>p:</c>, <c>g:</c> hashes and the <c>players</c> set) and a model trained at start-up from them.
/// </summary>
public sealed class RecommendationsApiTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = AnchoredClock.Anchor;
    private static readonly long NowMs = Now.ToUnixTimeMilliseconds();

    private static List<Game> Catalogue() =>
    [
        .. TestCatalogue.Games(),
        TestCatalogue.Game("g-ra-jackpot", "Ra Studio", "slots", "egyptian", jackpot: true),
        TestCatalogue.Game("g-ra-de", "Ra Studio", "slots", "egyptian", markets: ["DE"]),
        TestCatalogue.Game("g-ra-off", "Ra Studio", "slots", "egyptian", enabled: false),
        TestCatalogue.Game("g-ra-new", "Ra Studio", "slots", "egyptian", released: Now.AddDays(-5)),
    ];

    private static async Task SeedAsync(IDatabase db, StoreKeys keys)
    {
        await db.HashSetAsync(keys.Catalog, Catalogue().Select(g => new HashEntry(g.Id, JsonSerializer.Serialize(g, ContractsJsonContext.Default.Game))).ToArray());
        foreach (var p in TestCatalogue.Players())
        {
            await PlayerAsync(db, keys, p.PlayerId, p.Market!, p.Games.Select(g => (g.GameId, g.Rounds)).ToArray());
        }
        await PlayerAsync(db, keys, "p-me", "MT", [("g-ra-0", 40), ("g-ra-1", 12)]);
        await PlayerAsync(db, keys, "p-rg", "MT", [("g-ra-0", 40), ("g-ra-1", 12)], selfExcluded: true);
    }

    /// <summary>A profile as the fold writes it: country, email consent, optional self-exclusion, per-game rounds/stake/last played.</summary>
    private static async Task PlayerAsync(IDatabase db, StoreKeys keys, string id, string country, (string Game, long Rounds)[] plays, bool selfExcluded = false, long? at = null)
    {
        var profile = new List<HashEntry> { new("cty", country), new("c:email", "1") };
        if (selfExcluded) profile.AddRange([new("se", (NowMs + 86_400_000L * 365).ToString(CultureInfo.InvariantCulture)), new("@se", NowMs)]);
        await db.HashSetAsync(keys.Profile(id), [.. profile]);
        var t = at ?? NowMs - 3_600_000;
        await db.HashSetAsync(keys.Games(id), plays.SelectMany(p => new HashEntry[] { new($"{p.Game}:n", p.Rounds), new($"{p.Game}:s", p.Rounds * 10_000), new($"{p.Game}:t", t) }).ToArray());
        await db.SetAddAsync(keys.Players, id);
    }

    /// <summary>Lets a test look at one rule without another in the way (the tiny catalogue has few providers).</summary>
    private static readonly Dictionary<string, string?> NoDiversity = new() { ["Recommendations:MaxPerProviderInTen"] = "10" };

    private static async Task<IntelligenceApp> StartAsync(string connection, string? prefix = null, bool seed = true, IDictionary<string, string?>? extra = null)
    {
        prefix ??= TestKeys.Prefix("recs");
        if (seed)
        {
            // Before the host starts (touching app.Services starts it), so it finds players and trains at start-up.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
            await SeedAsync(redis.GetDatabase(), new StoreKeys(prefix));
        }
        var app = new IntelligenceApp(connection, prefix, extra, new FrozenClock(Now));
        using var _ = app.CreateClient();
        var models = app.Services.GetRequiredService<RecommenderModels>();
        var clock = Stopwatch.StartNew();
        while (models.Model is null && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        Assert.NotNull(models.Model);
        return app;
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetTextAsync(HttpClient client, string url)
    {
        var r = await client.GetAsync(new Uri(url, UriKind.Relative));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    private static async Task<RecommendationList> ListAsync(HttpClient client, string player, string list, string extra = "")
    {
        var response = await client.GetAsync(new Uri($"/v1/players/{player}/recommendations?list={list}{extra}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RecommendationList))!;
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task EveryList_OffersOnlyEnabledGamesOfThePlayersMarket_WithAReason_AndAFewOfOneProviderInTen(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        app.Services.GetRequiredService<Trending>().Played("p-0", "g-ra-5");
        await app.Services.GetRequiredService<Trending>().FlushAsync();
        var games = Catalogue().ToDictionary(g => g.Id);
        foreach (var list in RecommendationLists.All)
        {
            var result = await ListAsync(client, "p-me", list, "&limit=50");
            Assert.Equal(("p-me", list), (result.PlayerId, result.List));
            Assert.StartsWith("als-", result.ModelVersion, StringComparison.Ordinal);
            Assert.True(result.Items.Count > 0, $"{list} is empty");
            Assert.DoesNotContain(result.Items, i => i.GameId is "g-ra-de" or "g-ra-off");
            Assert.All(result.Items, i => Assert.False(string.IsNullOrWhiteSpace(i.Reason)));
            if (list != RecommendationLists.ContinuePlaying) Assert.True(Diversity.Holds(result.Items.Select(i => games[i.GameId].Provider).ToList(), 3), list);
        }
        // The taste shows: the player's egyptian history puts egyptian games first among the games they have not played.
        var forYou = await ListAsync(client, "p-me", RecommendationLists.ForYou, "&excludePlayed=true&limit=3");
        Assert.All(forYou.Items, i => Assert.StartsWith("g-ra-", i.GameId, StringComparison.Ordinal));
        Assert.DoesNotContain(forYou.Items, i => i.GameId is "g-ra-0" or "g-ra-1");
        var trending = await ListAsync(client, "p-me", RecommendationLists.Trending);
        Assert.Equal("Trending: 1 player in the last 6 hours", Assert.Single(trending.Items).Reason);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task APlayerWhoMayNotBeMarketedTo_GetsNoTrendingAndNoJackpots(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store), extra: NoDiversity);
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        app.Services.GetRequiredService<Trending>().Played("p-0", "g-ra-5");
        await app.Services.GetRequiredService<Trending>().FlushAsync();

        var trending = await ListAsync(client, "p-rg", RecommendationLists.Trending);
        Assert.Empty(trending.Items);
        Assert.NotNull(trending.Note);
        Assert.NotEmpty((await ListAsync(client, "p-me", RecommendationLists.Trending)).Items);
        foreach (var list in new[] { RecommendationLists.ForYou, RecommendationLists.NewForYou, RecommendationLists.BecauseYouPlayed, RecommendationLists.PopularInSegment })
        {
            Assert.DoesNotContain((await ListAsync(client, "p-rg", list, "&limit=500")).Items, i => i.GameId == "g-ra-jackpot");
        }
        Assert.Contains((await ListAsync(client, "p-me", RecommendationLists.ForYou, "&limit=500")).Items, i => i.GameId == "g-ra-jackpot");
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ARound_ShowsInContinuePlayingAndBecauseYouPlayed_WithinASecond(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        Assert.Contains("Title g-ra-", (await ListAsync(client, "p-me", RecommendationLists.BecauseYouPlayed)).Items[0].Reason, StringComparison.Ordinal);
        static int Space(RecommendationList l) => l.Items.Count(i => i.GameId.StartsWith("g-orbit-", StringComparison.Ordinal));
        var spaceBefore = Space(await ListAsync(client, "p-me", RecommendationLists.ForYou, "&excludePlayed=true&limit=10"));

        // The fold adds the rounds of a new favourite, a space crash game.
        var clock = Stopwatch.StartNew();
        await app.Db.HashSetAsync(app.Keys.Games("p-me"), [new("g-orbit-2:n", 300), new("g-orbit-2:s", 3_000_000), new("g-orbit-2:t", NowMs)]);
        var continuePlaying = await ListAsync(client, "p-me", RecommendationLists.ContinuePlaying);
        var because = await ListAsync(client, "p-me", RecommendationLists.BecauseYouPlayed);
        var forYou = await ListAsync(client, "p-me", RecommendationLists.ForYou, "&excludePlayed=true&limit=10");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{clock.Elapsed.TotalMilliseconds} ms");

        Assert.Equal(("g-orbit-2", "You played this just now"), (continuePlaying.Items[0].GameId, continuePlaying.Items[0].Reason));
        Assert.Equal(["g-orbit-2", "g-ra-0", "g-ra-1"], continuePlaying.Items.Select(i => i.GameId));
        Assert.All(because.Items, i => Assert.Equal("Because you played Title g-orbit-2", i.Reason));
        Assert.True(because.Items.Take(3).All(i => i.GameId.StartsWith("g-orbit-", StringComparison.Ordinal)), string.Join(", ", because.Items.Select(i => $"{i.GameId} {i.Score}")));
        // The taste was folded in again from the new rounds: more space games in for-you, with no retraining.
        Assert.True(Space(forYou) > spaceBefore, $"{Space(forYou)} space games now, {spaceBefore} before");
        Assert.Empty((await ListAsync(client, "p-me", RecommendationLists.ContinuePlaying, "&excludePlayed=true")).Items);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ARestartedOrSecondInstance_ServesTheStoredModelWithoutRetraining(string store)
    {
        var connection = await servers.ConnectionStringAsync(store);
        // A holdout too small to judge: every retrain is served (the judged branches have a test of their own).
        var unjudged = new Dictionary<string, string?> { ["Recommendations:MinimumHoldoutPlayers"] = "1000000" };
        await using var first = await StartAsync(connection, extra: unjudged);
        var version = first.Services.GetRequiredService<RecommenderModels>().Version;
        await using var second = await StartAsync(connection, first.Prefix, seed: false, extra: unjudged);
        Assert.Equal(version, second.Services.GetRequiredService<RecommenderModels>().Version);

        // Retraining on one instance moves the other to the new version through the store's notification.
        var result = await first.Services.GetRequiredService<RecommenderTrainer>().TrainAsync();
        Assert.Equal(82, result.Metrics.Players);
        Assert.Equal(ModelStatus.Promoted, result.Status);
        var clock = Stopwatch.StartNew();
        while (second.Services.GetRequiredService<RecommenderModels>().Version != result.Version && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(result.Version, second.Services.GetRequiredService<RecommenderModels>().Version);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task TheRecommender_HasTheModelLifecycle_JudgedOnRecentPlays_RejectedBelowMostPopular_AndRolledBackEverywhere(string store)
    {
        var connection = await servers.ConnectionStringAsync(store);
        var judged = new Dictionary<string, string?> { ["Recommendations:MinimumHoldoutPlayers"] = "1" };
        await using var first = await StartAsync(connection, extra: judged);
        var registry = first.Services.GetRequiredService<ModelRegistry>();
        var served = await registry.CurrentVersionAsync(ModelKinds.Recommendations);
        var card = (await registry.CardAsync(ModelKinds.Recommendations, served!))!;
        Assert.Equal(ModelStatus.Promoted, card.Status);
        Assert.StartsWith("promoted: first model", card.Decision, StringComparison.Ordinal);
        var ranking = card.Evaluation.Ranking!;
        Assert.Equal(Now.AddDays(-7), ranking.SplitAt);
        Assert.True(ranking.Cases > 0 && ranking.Ndcg is >= 0 and <= 1 && ranking.PopularNdcg is >= 0 and <= 1);

        // A second version, judged: promoted when it beats most-popular by the margin; a margin nothing meets rejects it.
        var second = await first.Services.GetRequiredService<RecommenderTrainer>().TrainAsync();
        var strict = new RecommendationOptions { PopularMargin = 10, MinimumHoldoutPlayers = 1 };
        var r = (await registry.CardAsync(ModelKinds.Recommendations, second.Version))!.Evaluation.Ranking!;
        var (promote, decision) = RecommenderTrainer.Decide(r, first.Services.GetRequiredService<RecommenderModels>().Model, strict);
        Assert.False(promote);
        Assert.StartsWith("rejected", decision, StringComparison.Ordinal);
        Assert.Equal(second.Status == ModelStatus.Promoted, r.Ndcg >= r.PopularNdcg * 1.05);

        // Every instance follows a rollback through the store.
        await using var other = await StartAsync(connection, first.Prefix, seed: false, extra: judged);
        var now = await registry.CurrentVersionAsync(ModelKinds.Recommendations);
        using var admin = first.ClientWithKey(IntelligenceApp.AdminKey);
        var rolled = await admin.PostAsync(new Uri("/v1/models/rollback", UriKind.Relative),
            new StringContent("""{"kind":"recommendations"}""", System.Text.Encoding.UTF8, "application/json"));
        if (now == served)
        {
            Assert.Equal(HttpStatusCode.Conflict, rolled.StatusCode);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, rolled.StatusCode);
        var clock = Stopwatch.StartNew();
        while (other.Services.GetRequiredService<RecommenderModels>().Version != served && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(served, other.Services.GetRequiredService<RecommenderModels>().Version);
        Assert.Contains(await registry.CardsAsync(ModelKinds.Recommendations), c => c.Version == now && c.Status == ModelStatus.Retired);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AStoreWrittenBeforeTheRegistry_KeepsServingItsRecommender_AfterTheUpgrade(string store)
    {
        var connection = await servers.ConnectionStringAsync(store);
        await using var trained = await StartAsync(connection);
        var model = trained.Services.GetRequiredService<RecommenderModels>().Model!;
        // The layout the version before wrote: model:recs:{version} and model:recs:current, no registry entry.
        var prefix = TestKeys.Prefix("recs-legacy");
        var keys = new StoreKeys(prefix);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connection))
        {
            var db = redis.GetDatabase();
            await SeedAsync(db, keys);
            await db.StringSetAsync(keys.LegacyRecommenderModel(model.Version), model.Serialize());
            await db.StringSetAsync(keys.LegacyRecommenderModelCurrent, model.Version);
        }
        await using var upgraded = await StartAsync(connection, prefix, seed: false);
        Assert.Equal(model.Version, upgraded.Services.GetRequiredService<RecommenderModels>().Version);
        var registry = upgraded.Services.GetRequiredService<ModelRegistry>();
        Assert.Equal(model.Version, await registry.CurrentVersionAsync(ModelKinds.Recommendations));
        Assert.StartsWith("carried over", (await registry.CardAsync(ModelKinds.Recommendations, model.Version))!.Decision, StringComparison.Ordinal);
        Assert.False(await upgraded.Db.KeyExistsAsync(keys.LegacyRecommenderModelCurrent));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Similar_FindsGamesOfTheSameTaste_AndBadRequestsNameTheirParameter(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store), extra: NoDiversity);
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        var similar = (await client.GetFromJsonAsync(new Uri("/v1/games/g-orbit-1/similar?limit=3", UriKind.Relative), ContractsJsonContext.Default.SimilarGames))!;
        Assert.Equal(3, similar.Items.Count);
        Assert.All(similar.Items, i => Assert.StartsWith("g-orbit-", i.GameId, StringComparison.Ordinal));

        Task<(HttpStatusCode, string)> Get(string url) => GetTextAsync(client, url);
        var (status, body) = await Get("/v1/players/p-me/recommendations?list=best");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"list\"", body, StringComparison.Ordinal);
        (status, body) = await Get("/v1/players/p-me/recommendations?limit=501");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"limit\"", body, StringComparison.Ordinal);
        (status, _) = await Get("/v1/games/g-orbit-1/similar?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, body) = await Get("/v1/players/p-nobody/recommendations");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("p-nobody", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("/v1/games/g-nothing/similar")).Item1);
        Assert.Equal(20, (await ListAsync(client, "p-me", RecommendationLists.ForYou)).Items.Count);

        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/v1/players/p-me/recommendations", UriKind.Relative))).StatusCode);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ContinuePlaying_IsThePlayersOwnHistory_JackpotsAndNoConsentIncluded_NothingWhileRestricted(string store)
    {
        var connection = await servers.ConnectionStringAsync(store);
        await using var app = await StartAsync(connection);
        // A player without any marketing consent who played a jackpot game a minute ago.
        await app.Db.HashSetAsync(app.Keys.Profile("p-quiet"), [new("cty", "MT")]);
        await app.Db.HashSetAsync(app.Keys.Games("p-quiet"), [new("g-ra-jackpot:n", 3), new("g-ra-jackpot:s", 30_000), new("g-ra-jackpot:t", NowMs - 60_000)]);
        await app.Db.SetAddAsync(app.Keys.Players, "p-quiet");
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        Assert.Equal(["g-ra-jackpot"], (await ListAsync(client, "p-quiet", RecommendationLists.ContinuePlaying)).Items.Select(i => i.GameId));
        Assert.DoesNotContain((await ListAsync(client, "p-quiet", RecommendationLists.ForYou, "&limit=500")).Items, i => i.GameId == "g-ra-jackpot");
        var restricted = await ListAsync(client, "p-rg", RecommendationLists.ContinuePlaying);
        Assert.Empty(restricted.Items);
        Assert.NotNull(restricted.Note);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ManyListsInOneCall_AreEachExactlyTheSingleList_InTheOrderAsked(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);

        foreach (var (player, device) in new[] { ("p-me", ""), ("p-me", "&device=mobile"), ("p-rg", "") })
        {
            var all = (await client.GetFromJsonAsync(new Uri($"/v1/players/{player}/recommendations/lists?limit=12{device}", UriKind.Relative),
                ContractsJsonContext.Default.PlayerRecommendations))!;
            Assert.Equal(player, all.PlayerId);
            Assert.Equal(RecommendationsApi.LobbyOrder, all.Lists.Select(l => l.List));
            foreach (var list in all.Lists)
            {
                var single = await ListAsync(client, player, list.List, "&limit=12" + device);
                Assert.Equal(single.Items, list.Items);
                Assert.Equal(single.Note, list.Note);
            }
        }

        var two = (await client.GetFromJsonAsync(new Uri("/v1/players/p-me/recommendations/lists?lists=trending,for-you&limit=3&excludePlayed=true", UriKind.Relative),
            ContractsJsonContext.Default.PlayerRecommendations))!;
        Assert.Equal([RecommendationLists.Trending, RecommendationLists.ForYou], two.Lists.Select(l => l.List));
        Assert.Equal((await ListAsync(client, "p-me", RecommendationLists.ForYou, "&limit=3&excludePlayed=true")).Items, two.Lists[1].Items);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ManyLists_BadNamesAreRefusedNamingTheParameter_AndAnUnknownPlayerIs404(string store)
    {
        await using var app = await StartAsync(await servers.ConnectionStringAsync(store));
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        Task<(HttpStatusCode, string)> Get(string url) => GetTextAsync(client, url);

        var (status, body) = await Get("/v1/players/p-me/recommendations/lists?lists=for-you,best,,for-you");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"lists\"", body, StringComparison.Ordinal);
        Assert.Contains("'best' is not a list", body, StringComparison.Ordinal);
        Assert.Contains("an empty name", body, StringComparison.Ordinal);
        Assert.Contains("'for-you' is named twice", body, StringComparison.Ordinal);
        (status, body) = await Get("/v1/players/p-me/recommendations/lists?device=phone&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"device\"", body, StringComparison.Ordinal);
        Assert.Contains("\"limit\"", body, StringComparison.Ordinal);
        (status, body) = await Get("/v1/players/p-nobody/recommendations/lists");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("p-nobody", body, StringComparison.Ordinal);
    }
}
