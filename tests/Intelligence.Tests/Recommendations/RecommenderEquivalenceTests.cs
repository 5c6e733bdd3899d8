using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intelligence.Recommendations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Recommendations;

/// <summary>
/// The served recommender (HMGET of the few profile fields, the per-game hash parsed from the reply's bytes, a lazy
/// heap instead of a full sort) gives exactly what the original one (<see cref="LegacyRecommender"/>: full profile
/// decode, LINQ, full sort) gave: the same items, scores, reasons and notes, for every list, with and without
/// excludePlayed, for players with every kind of profile the rules look at and some the store should not hold.
/// </summary>
public sealed class RecommenderEquivalenceTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = AnchoredClock.Anchor;

    private static List<Game> Catalogue() =>
    [
        .. TestCatalogue.Games(),
        TestCatalogue.Game("g-ra-jackpot", "Ra Studio", "slots", "egyptian", jackpot: true),
        TestCatalogue.Game("g-ra-de", "Ra Studio", "slots", "egyptian", markets: ["DE"]),
        TestCatalogue.Game("g-orbit-mt", "Orbit Works", "crash", "space", markets: ["MT", "SE"]),
        TestCatalogue.Game("g-ra-off", "Ra Studio", "slots", "egyptian", enabled: false),
        TestCatalogue.Game("g-ra-new", "Ra Studio", "slots", "egyptian", released: Now.AddDays(-5)),
        TestCatalogue.Game("g-orbit-new", "Orbit Works", "crash", "space", released: Now.AddDays(-20)),
        TestCatalogue.Game("g-future", "Misc 1", "table", "classic", released: Now.AddDays(5)),
        TestCatalogue.Game("g-ünï", "Misc 2", "table", "classic"),
    ];

    private static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Profiles that exercise every field the rules read, and per-game hashes with the odd field.</summary>
    private static IEnumerable<(string Id, HashEntry[] Profile, HashEntry[] Games, string? Segment)> Players()
    {
        var rng = new Random(11);
        var ids = Catalogue().Select(g => g.Id).Concat(["g-gone-1", "g-gone:2"]).ToArray();
        HashEntry[] Plays(int count)
        {
            var fields = new List<HashEntry>();
            foreach (var id in ids.OrderBy(_ => rng.Next()).Take(count))
            {
                var entries = new List<HashEntry>
                {
                    new($"{id}:n", rng.Next(10) == 0 ? 0 : rng.Next(1, 400)),
                    new($"{id}:s", rng.Next(1, 4_000_000)),
                };
                if (rng.Next(8) > 0) entries.Add(new($"{id}:t", Ms(Now.AddMinutes(-rng.Next(1, 60 * 24 * 200)))));
                // The hash's field order is the store's; shuffle so a game's first field is not always its rounds.
                fields.AddRange(entries.OrderBy(_ => rng.Next()));
            }
            return [.. fields.OrderBy(_ => rng.Next(3))];
        }
        string[] countries = ["MT", "DE", "SE", "GB"];
        var consents = new[] { "email", "sms", "push", "phone", "site" };
        for (var i = 0; i < 60; i++)
        {
            var profile = new List<HashEntry> { new("cty", countries[rng.Next(countries.Length)]), new("reg", Ms(Now.AddDays(-300))), new("bc", 17) };
            if (rng.Next(3) == 0) profile.Add(new("mkt", countries[rng.Next(countries.Length)]));
            if (rng.Next(4) == 0) profile.Add(new("mkt", ""));
            foreach (var c in consents)
            {
                if (rng.Next(3) == 0) profile.Add(new($"c:{c}", rng.Next(2) == 0 ? "1" : "0"));
            }
            if (rng.Next(5) == 0) profile.Add(new("c:carrier-pigeon", "1"));
            switch (rng.Next(11))
            {
                case 6: profile.AddRange([new("kyc", "rejected"), new("@kyc", Ms(Now.AddDays(-1)))]); break;
                case 7: profile.AddRange([new("aml", "high"), new("@aml", Ms(Now.AddDays(-1)))]); break;
                case 8: profile.AddRange([new("geo", "blocked"), new("@geo", Ms(Now.AddDays(-1)))]); break;
                case 0: profile.AddRange([new("se", Ms(Now.AddDays(30))), new("@se", Ms(Now.AddDays(-1)))]); break;
                case 1: profile.AddRange([new("se", "inf"), new("@se", Ms(Now.AddDays(-1)))]); break;
                case 2: profile.AddRange([new("co", Ms(Now.AddDays(-1))), new("@co", Ms(Now.AddDays(-3)))]); break; // over
                case 3: profile.AddRange([new("bl", Ms(Now.AddDays(2))), new("@bl", Ms(Now.AddDays(-2))), new("lf", Ms(Now.AddDays(-1)))]); break; // lifted
                case 4: profile.AddRange([new("co", Ms(Now.AddDays(2))), new("@co", Ms(Now.AddDays(-1)))]); break;
                case 5: profile.AddRange([new("dl", "1000000|monthly"), new("@dl", Ms(Now.AddDays(-1)))]); break; // not a restriction
                default: break;
            }
            var segment = rng.Next(3) switch { 0 => "seg-a", 1 => "seg-b", _ => null };
            yield return ($"p-eq-{i}", [.. profile], Plays(rng.Next(0, 14)), segment);
        }
        // Odd hashes: no profile at all; a profile with none of the fields serving reads; an unparseable value; an
        // unknown suffix; an empty-named game.
        yield return ("p-eq-plays-only", [], Plays(5), null);
        yield return ("p-eq-profile-only", [new("reg", Ms(Now.AddDays(-3)))], [], null);
        yield return ("p-eq-consent-only", [new("c:email", "1")], [], "seg-a");
        yield return ("p-eq-odd", [new("cty", "MT"), new("c:sms", "1")],
            [new("g-ra-1:n", 7), new("g-ra-1:t", Ms(Now.AddHours(-3))), new("g-ra-2:n", 5), new("g-ra-2:zz", 1), new(":n", 3), new("g-orbit-1:n", 9),
                new("g-orbit-1:t", Ms(Now.AddDays(-2))), new("noColon", 4)], null);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task TheServedRecommender_GivesWhatTheOriginalGave_ForEveryListAndPlayer(string store)
    {
        var prefix = TestKeys.Prefix("recs-eq");
        var connection = await servers.ConnectionStringAsync(store);
        var keys = new StoreKeys(prefix);
        var players = Players().ToList();
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connection))
        {
            var db = redis.GetDatabase();
            await db.HashSetAsync(keys.Catalog, Catalogue().Select(g => new HashEntry(g.Id, JsonSerializer.Serialize(g, ContractsJsonContext.Default.Game))).ToArray());
            foreach (var p in TestCatalogue.Players())
            {
                var t = Now.AddHours(-5);
                await db.HashSetAsync(keys.Profile(p.PlayerId), [new("cty", p.Market!), new("c:email", "1")]);
                await db.HashSetAsync(keys.Games(p.PlayerId), p.Games.SelectMany(g => new HashEntry[] { new($"{g.GameId}:n", g.Rounds), new($"{g.GameId}:t", Ms(t)) }).ToArray());
                await db.SetAddAsync(keys.Players, p.PlayerId);
            }
            foreach (var (id, profile, games, segment) in players)
            {
                if (profile.Length > 0) await db.HashSetAsync(keys.Profile(id), profile);
                if (games.Length > 0) await db.HashSetAsync(keys.Games(id), games);
                if (segment is not null) await db.HashSetAsync(keys.Scores(id), "seg", segment);
                await db.SetAddAsync(keys.Players, id);
            }
        }
        await using var app = new IntelligenceApp(connection, prefix, clock: new FrozenClock(Now));
        using var _ = app.CreateClient();
        var models = app.Services.GetRequiredService<RecommenderModels>();
        var wait = Stopwatch.StartNew();
        while (models.Model is null && wait.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        Assert.NotNull(models.Model);
        var trending = app.Services.GetRequiredService<Trending>();
        trending.Played("p-0", "g-ra-5");
        trending.Played("p-1", "g-orbit-2");
        await trending.FlushAsync();

        // Both at one fixed time, so "5 minutes ago" and release dates read the same.
        var clock = new FakeTimeProvider(Now.AddSeconds(1));
        var sp = app.Services;
        var served = new Recommender(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<StoreKeys>(), models, trending,
            sp.GetRequiredService<IOptions<RecommendationOptions>>(), clock);
        var original = new LegacyRecommender(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<StoreKeys>(), sp.GetRequiredService<CatalogCache>(),
            models, trending, sp.GetRequiredService<IOptions<RecommendationOptions>>(), clock);

        var compared = 0;
        var ids = players.Select(p => p.Id).Concat(TestCatalogue.Players().Select(p => p.PlayerId)).Append("p-eq-nobody");
        foreach (var id in ids)
        {
            foreach (var list in RecommendationLists.All)
            {
                foreach (var (limit, excludePlayed) in new[] { (20, false), (500, false), (5, true), (500, true) })
                {
                    var expected = await original.GetAsync(id, list, limit, excludePlayed);
                    var actual = await served.GetAsync(id, list, limit, excludePlayed);
                    Assert.Equal(Json(expected), Json(actual));
                    compared += expected?.Items.Count ?? 0;
                }
            }
        }
        Assert.True(compared > 5_000, $"only {compared} items compared");
        Assert.Null(await served.GetAsync("p-eq-nobody", RecommendationLists.ForYou, 20, false));
    }

    private static string Json(RecommendationList? list) =>
        list is null ? "null" : JsonSerializer.Serialize(list, ContractsJsonContext.Default.RecommendationList);
}
