using System.Globalization;
using Intelligence.Recommendations;
using Intelligence.Recommendations.Model;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Tests.Recommendations;

/// <summary>
/// The recommender as it was before the hot path was made cheap (full profile decode, LINQ, a full sort), kept
/// verbatim as the reference the served <see cref="Recommender"/> must agree with item for item.
///
/// Builds a player's lists at read time from the served model and the player's plays as they are in the store now,
/// so a round shows in the lists as soon as Ingestion has folded it: the player's taste is folded in on every read
/// (a k×k solve, microseconds), never waiting for the next training. Serving rules apply to every list: only games
/// enabled, released and available in the player's market; a provider at most a few times in any ten items; and for
/// a player who may not be marketed to (responsible-gambling restriction or no consent) no promotional rows
/// (trending) and no jackpot games.
/// </summary>
internal sealed class LegacyRecommender(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    CatalogCache catalog,
    RecommenderModels models,
    Trending trending,
    IOptions<RecommendationOptions> options,
    TimeProvider clock)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 500;

    private static readonly RedisValue[] SegmentFields = ["seg", "segn"];

    /// <summary>What serving needs to know about a player, read in one round trip.</summary>
    private sealed record Player(PlayerProfile Profile, List<GameInteraction> Plays, string? Segment, string? Market)
    {
        private int[]? _favourites;

        /// <summary>The player's ten most-weighted games (rounds, fading with time), as catalogue indexes; what reasons name.</summary>
        public int[] Favourites(CatalogModel view, DateTimeOffset now)
        {
            if (_favourites is not null) return _favourites;
            var confidence = view.Model.Settings.Confidence;
            return _favourites = Plays.Where(p => p.Rounds > 0 && view.IndexOf(p.GameId) is not null)
                .OrderByDescending(p => confidence.Weight(p.Rounds, p.LastPlayedAt, now)).ThenBy(p => p.GameId, StringComparer.Ordinal)
                .Take(10).Select(p => view.IndexOf(p.GameId)!.Value).ToArray();
        }
    }

    /// <summary>The list, or null when nothing is held about the player.</summary>
    public async Task<RecommendationList?> GetAsync(string playerId, string list, int limit, bool excludePlayed)
    {
        var games = await catalog.GetAsync();
        var now = clock.GetUtcNow();
        var player = await ReadAsync(playerId, games, now);
        if (player is null) return null;
        var view = await models.GetAsync();
        var o = options.Value;
        var marketing = MarketingPolicy.Evaluate(player.Profile, now);
        var marketingAllowed = marketing.Allowed;
        // Restrictions in force and a geo block (not a missing consent or a verification verdict): the player's own history is held back then.
        var restricted = marketing.Reasons.Any(r => r is "self_excluded" or "cooling_off" or "blocked" or "geo_blocked");
        var played = player.Plays.Where(p => p.Rounds > 0).Select(p => p.GameId).ToHashSet(StringComparer.Ordinal);
        bool Offerable(int g)
        {
            var game = view.Games[g];
            return game.Enabled && game.ReleasedAt <= now
                && (game.Markets.Contains("*") || (player.Market is { } m && game.Markets.Contains(m)))
                && (marketingAllowed || !game.Jackpot)
                && (!excludePlayed || !played.Contains(game.Id));
        }
        string Provider(int g) => view.Games[g].Provider;

        IEnumerable<(int Game, float Score)> ranked;
        Func<int, float, string> reason;
        string? note = null;
        var diverse = true;
        switch (list)
        {
            case RecommendationLists.ForYou:
            {
                var scores = view.ForYou(player.Plays, player.Market, player.Segment, now);
                ranked = Ranked(scores, Offerable);
                reason = (g, _) => ForYouReason(view, player, played, g, now);
                break;
            }
            case RecommendationLists.BecauseYouPlayed:
            {
                if (Anchor(view, player.Plays, now) is not { } anchor)
                {
                    ranked = [];
                    reason = (_, _) => "";
                    note = "The player has not played a game yet.";
                    break;
                }
                var scores = new float[view.Games.Length];
                for (var g = 0; g < scores.Length; g++) scores[g] = g == anchor ? float.NegativeInfinity : view.Similarity(anchor, g);
                ranked = Ranked(scores, g => g != anchor && Offerable(g));
                var because = $"Because you played {view.Games[anchor].Title}";
                reason = (_, _) => because;
                break;
            }
            case RecommendationLists.PopularInSegment:
            {
                var bySegment = player.Segment is { } s ? view.Popularity(RecommenderModel.SegmentKey(s)) : null;
                var scores = bySegment ?? view.PopularityFor(player.Market, null);
                ranked = Ranked(scores, g => scores[g] > 0 && Offerable(g));
                var why = bySegment is not null ? "Popular with players like you" : "Popular in your country";
                reason = (_, _) => why;
                break;
            }
            case RecommendationLists.Trending:
            {
                if (!marketingAllowed)
                {
                    ranked = [];
                    reason = (_, _) => "";
                    note = "Promotional lists are not shown to this player.";
                    break;
                }
                var counts = await trending.CountsAsync(o.TrendingHours);
                var scores = new float[view.Games.Length];
                for (var g = 0; g < scores.Length; g++) scores[g] = (float)counts.GetValueOrDefault(view.Games[g].Id);
                ranked = Ranked(scores, g => scores[g] > 0 && Offerable(g));
                reason = (_, score) => string.Create(CultureInfo.InvariantCulture,
                    $"Trending: {score:0} {(score == 1 ? "player" : "players")} in the last {o.TrendingHours} hours");
                break;
            }
            case RecommendationLists.NewForYou:
            {
                var since = now.AddDays(-o.NewReleaseDays);
                var scores = view.ForYou(player.Plays, player.Market, player.Segment, now);
                ranked = Ranked(scores, g => view.Games[g].ReleasedAt >= since && !played.Contains(view.Games[g].Id) && Offerable(g));
                reason = (g, _) => NewReason(view, player, g, now);
                break;
            }
            case RecommendationLists.ContinuePlaying:
            {
                diverse = false;
                if (restricted)
                {
                    ranked = [];
                    reason = (_, _) => "";
                    note = "Nothing to continue while a safer-gambling restriction is in force.";
                    break;
                }
                var recent = player.Plays.Where(p => p.Rounds > 0 && p.LastPlayedAt is not null)
                    .OrderByDescending(p => p.LastPlayedAt).ThenBy(p => p.GameId, StringComparer.Ordinal)
                    .Select(p => (Index: view.IndexOf(p.GameId), p.LastPlayedAt))
                    .Where(p => p.Index is { } g && !excludePlayed && view.Games[g].Enabled && view.Games[g].ReleasedAt <= now
                        && (view.Games[g].Markets.Contains("*") || (player.Market is { } m && view.Games[g].Markets.Contains(m))))
                    .Select(p => (p.Index!.Value, (float)(1 / (1 + Math.Max(0, (now - p.LastPlayedAt!.Value).TotalHours)))))
                    .ToList();
                var last = player.Plays.Where(p => p.LastPlayedAt is not null).ToDictionary(p => p.GameId, p => p.LastPlayedAt!.Value, StringComparer.Ordinal);
                ranked = recent;
                reason = (g, _) => $"You played this {Ago(now - last[view.Games[g].Id])}";
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(list), list, "unknown list");
        }

        var scoresByGame = new Dictionary<int, float>();
        var order = ranked.Select(r => { scoresByGame[r.Game] = r.Score; return r.Game; });
        var chosen = diverse ? Diversity.Arrange(order, Provider, o.MaxPerProviderInTen, limit) : order.Take(limit).ToList();
        var items = chosen.Select(g => new RecommendedGame(view.Games[g].Id, Math.Round(scoresByGame[g], 4), reason(g, scoresByGame[g]))).ToList();
        return new RecommendationList(playerId, list, items, models.Version, now, note);
    }

    /// <summary>Games like this one, most alike first, or null when the game is not in the catalogue.</summary>
    public async Task<SimilarGames?> SimilarAsync(string gameId, int limit)
    {
        var view = await models.GetAsync();
        if (view.IndexOf(gameId) is not { } anchor) return null;
        var now = clock.GetUtcNow();
        var scores = new float[view.Games.Length];
        for (var g = 0; g < scores.Length; g++) scores[g] = g == anchor ? float.NegativeInfinity : view.Similarity(anchor, g);
        var ranked = Ranked(scores, g => g != anchor && view.Games[g].Enabled && view.Games[g].ReleasedAt <= now).Select(r => r.Game);
        var chosen = Diversity.Arrange(ranked, g => view.Games[g].Provider, options.Value.MaxPerProviderInTen, limit);
        var items = chosen.Select(g => new RecommendedGame(view.Games[g].Id, Math.Round(scores[g], 4), SimilarReason(view, anchor, g))).ToList();
        return new SimilarGames(gameId, items, models.Version, now);
    }

    private async Task<Player?> ReadAsync(string playerId, IReadOnlyDictionary<string, Game> games, DateTimeOffset now)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var p = batch.HashGetAllAsync(keys.Profile(playerId));
        var g = batch.HashGetAllAsync(keys.Games(playerId));
        var s = batch.HashGetAsync(keys.Scores(playerId), SegmentFields);
        batch.Execute();
        await Task.WhenAll(p, g, s);
        var profile = ProfileReader.Decode(playerId, p.Result, [], g.Result, id => games.GetValueOrDefault(id), now);
        if (profile is null) return null;
        var segment = s.Result[0].HasValue && !s.Result[0].IsNullOrEmpty ? s.Result[0].ToString() : null;
        return new Player(profile, GamePlays.Parse(g.Result), segment, profile.Market ?? profile.Country);
    }

    private static IEnumerable<(int Game, float Score)> Ranked(float[] scores, Func<int, bool> allowed)
    {
        var order = new List<int>(scores.Length);
        for (var g = 0; g < scores.Length; g++)
        {
            if (allowed(g)) order.Add(g);
        }
        // Ties go to catalogue order, so the same state gives the same list.
        order.Sort((a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
        return order.Select(g => (g, scores[g]));
    }

    /// <summary>A recent favourite: of the player's five most-weighted games (rounds, fading with time), the one played last.</summary>
    public static int? Anchor(CatalogModel view, IReadOnlyList<GameInteraction> plays, DateTimeOffset now)
    {
        var confidence = view.Model.Settings.Confidence;
        return plays.Where(p => p.Rounds > 0 && view.IndexOf(p.GameId) is not null)
            .OrderByDescending(p => confidence.Weight(p.Rounds, p.LastPlayedAt, now)).ThenBy(p => p.GameId, StringComparer.Ordinal)
            .Take(5)
            .OrderByDescending(p => p.LastPlayedAt).ThenBy(p => p.GameId, StringComparer.Ordinal)
            .Select(p => view.IndexOf(p.GameId))
            .FirstOrDefault();
    }

    /// <summary>The played game most like <paramref name="g"/> among the player's ten most-weighted, with the similarity.</summary>
    private static (int Game, float Similarity)? Closest(CatalogModel view, Player player, int g, DateTimeOffset now)
    {
        (int, float)? best = null;
        foreach (var h in player.Favourites(view, now))
        {
            if (h == g) continue;
            var s = view.Similarity(g, h);
            if (best is null || s > best.Value.Item2) best = (h, s);
        }
        return best;
    }

    private static string ForYouReason(CatalogModel view, Player player, HashSet<string> played, int g, DateTimeOffset now)
    {
        var game = view.Games[g];
        if (played.Contains(game.Id)) return "One of the games you play";
        if (played.Count == 0) return player.Segment is not null ? "Popular with players like you" : "Popular in your country";
        if (Closest(view, player, g, now) is { Similarity: >= 0.3f } c) return $"Because you played {view.Games[c.Game].Title}";
        return $"Picked for your taste in {Kind(game.Category)} games";
    }

    private static string NewReason(CatalogModel view, Player player, int g, DateTimeOffset now)
    {
        var game = view.Games[g];
        if (Closest(view, player, g, now) is { Similarity: >= 0.3f } c) return $"New release, like {view.Games[c.Game].Title}";
        return $"New {Kind(game.Category)} release for your taste";
    }

    private static string SimilarReason(CatalogModel view, int anchor, int g)
    {
        var a = view.Games[anchor];
        var b = view.Games[g];
        if (Math.Min(view.Players[anchor], view.Players[g]) >= 10 && view.FactorCosine(anchor, g) >= view.ContentSimilarity(anchor, g))
        {
            return $"Players of {a.Title} also play this";
        }
        var theme = a.Tags.Intersect(b.Tags, StringComparer.Ordinal).FirstOrDefault();
        if (theme is not null) return $"{char.ToUpperInvariant(theme[0])}{theme[1..].Replace('-', ' ')}, like {a.Title}";
        if (string.Equals(a.Provider, b.Provider, StringComparison.Ordinal)) return $"Also from {a.Provider}";
        return $"Another {Kind(b.Category)} game like {a.Title}";
    }

    private static string Kind(string category) => category switch
    {
        "slots" => "slot",
        "live" => "live casino",
        "instant" => "instant win",
        _ => category,
    };

    public static string Ago(TimeSpan t) => t switch
    {
        { TotalMinutes: < 1 } => "just now",
        { TotalMinutes: < 2 } => "a minute ago",
        { TotalHours: < 1 } => $"{(int)t.TotalMinutes} minutes ago",
        { TotalHours: < 2 } => "an hour ago",
        { TotalDays: < 1 } => $"{(int)t.TotalHours} hours ago",
        { TotalDays: < 2 } => "yesterday",
        _ => $"{(int)t.TotalDays} days ago",
    };
}
