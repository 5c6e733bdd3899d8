using System.Globalization;
using Intelligence.Recommendations.Model;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>
/// Builds a player's lists at read time from the served model and the player's plays as they are in the store now,
/// so a round shows in the lists as soon as Ingestion has folded it: the player's taste is folded in on every read
/// (a k×k solve, microseconds), never waiting for the next training. Serving rules apply to every list: only games
/// enabled, released and available in the player's market; a provider at most a few times in any ten items; and for
/// a player who may not be marketed to (responsible-gambling restriction or no consent) no promotional rows
/// (trending) and no jackpot games — except in continue-playing, the player's own history, which shows every game
/// they played and can still play (nothing while a restriction is in force).
/// </summary>
public sealed class Recommender(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    RecommenderModels models,
    Trending trending,
    IOptions<RecommendationOptions> options,
    TimeProvider clock)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 500;

    /// <summary>The devices a request may name (<c>device</c>), as <c>player.login</c> and <c>game.session</c> carry them.</summary>
    public static readonly IReadOnlyList<string> Devices = ["desktop", "mobile", "tablet"];

    /// <summary>A game whose device lift is at least this (ln 1.25: a quarter more played on the device than the mix says) gets a device reason.</summary>
    private static readonly float DeviceReasonLift = MathF.Log(1.25f);

    private static readonly RedisValue[] SegmentFields = ["seg", "segn"];

    /// <summary>
    /// The only profile fields serving needs (as <see cref="ProfileReader.Decode"/> reads them): market and country,
    /// the responsible-gambling restrictions with the time each was set and the time restrictions were lifted, the last
    /// device seen and the marketing consents (<c>c:{channel}</c>). Read with HMGET instead of decoding the whole profile.
    /// </summary>
    private static readonly RedisValue[] ServingFields =
    [
        ProfileFields.Market, ProfileFields.Country, ProfileFields.RestrictionsLiftedAt,
        ProfileFields.SelfExcludedUntil, ProfileFields.StampOf(ProfileFields.SelfExcludedUntil),
        ProfileFields.CoolingOffUntil, ProfileFields.StampOf(ProfileFields.CoolingOffUntil),
        ProfileFields.BlockedUntil, ProfileFields.StampOf(ProfileFields.BlockedUntil),
        ProfileFields.Device, ProfileFields.Kyc, ProfileFields.Aml, ProfileFields.Geo, HarmFlag.Field,
        .. MarketingPolicy.MarketingChannels.Select(c => (RedisValue)ProfileFields.Consent(c)),
    ];

    private const int DeviceField = 9;
    private const int KycField = 10, AmlField = 11, GeoField = 12;
    private const int HarmField = 13;
    private const int FirstConsentField = 14;

    /// <summary>What serving needs to know about a player, read in one round trip.</summary>
    /// <param name="Index">Each play's catalogue index in the view it was read against, -1 for a game the catalogue does not hold.</param>
    /// <param name="MarketingAllowed">What <see cref="MarketingPolicy.Evaluate"/> says of the player's profile.</param>
    /// <param name="Device">The profile's last device (<c>dev</c>), when it is one of <see cref="Devices"/>.</param>
    /// <param name="Restricted">A self-exclusion, cooling-off or block is in force now.</param>
    private sealed record Player(List<GameInteraction> Plays, int[] Index, string? Segment, string? Market, bool MarketingAllowed, string? Device, bool Restricted)
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

    /// <summary>
    /// The list, or null when nothing is held about the player. <paramref name="device"/> is the device the player is on
    /// now (one of <see cref="Devices"/>); without it, the profile's last device; without that, no device context.
    /// </summary>
    public async Task<RecommendationList?> GetAsync(string playerId, string list, int limit, bool excludePlayed, string? device = null) =>
        await GetManyAsync(playerId, [list], limit, excludePlayed, device) is [var one] ? one : null;

    /// <summary>
    /// Several lists of one player from one read of the player and one served model, in the order asked (a lobby's
    /// rows): the same lists <see cref="GetAsync"/> gives one at a time, for a sixth of the reads. Null when nothing is
    /// held about the player.
    /// </summary>
    public async Task<IReadOnlyList<RecommendationList>?> GetManyAsync(string playerId, IReadOnlyList<string> lists, int limit, bool excludePlayed, string? device = null)
    {
        var now = clock.GetUtcNow();
        var view = await models.GetAsync();
        var player = await ReadAsync(playerId, view, now);
        if (player is null) return null;
        var o = options.Value;
        // Only a device the model counted plays on changes anything (an old model has none): otherwise lists are as without.
        device ??= player.Device;
        if (view.DeviceLift(device) is null) device = null;
        var marketingAllowed = player.MarketingAllowed;
        // Which catalogue games the player played (rounds > 0), and how many games in all, catalogue or not.
        var played = new Played(new bool[view.Games.Length]);
        for (var i = 0; i < player.Plays.Count; i++)
        {
            if (player.Plays[i].Rounds <= 0) continue;
            played.Count++;
            if (player.Index[i] >= 0) played.Games[player.Index[i]] = true;
        }
        bool Playable(int g)
        {
            var game = view.Games[g];
            return game.Enabled && game.ReleasedAt <= now && (game.Markets.Contains("*") || (player.Market is { } m && game.Markets.Contains(m)));
        }
        bool Offerable(int g) => Playable(g) && (marketingAllowed || !view.Games[g].Jackpot) && (!excludePlayed || !played.Games[g]);
        string Provider(int g) => view.Games[g].Provider;
        // for-you and new-for-you rank by the same taste: fold it in once.
        float[]? forYou = null;
        float[] ForYouScores() => forYou ??= ForYou(view, player, now, device, o.DeviceWeight);

        var results = new List<RecommendationList>(lists.Count);
        foreach (var list in lists)
        {
            results.Add(await ListAsync(list));
        }
        return results;

        async Task<RecommendationList> ListAsync(string list)
        {
        IEnumerable<(int Game, float Score)> ranked;
        Func<int, float, string> reason;
        string? note = null;
        var diverse = true;
        switch (list)
        {
            case RecommendationLists.ForYou:
            {
                var scores = ForYouScores();
                ranked = Ranked(scores, Offerable);
                reason = (g, _) => ForYouReason(view, player, played, g, now, device);
                break;
            }
            case RecommendationLists.BecauseYouPlayed:
            {
                if (view.Anchor(player.Plays, now) is not { } anchor)
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
                var scores = bySegment is not null && device is not null
                    ? view.PopularityFor(null, player.Segment, device)
                    : bySegment ?? view.PopularityFor(player.Market, null, device);
                ranked = Ranked(scores, g => scores[g] > 0 && Offerable(g));
                var why = PopularReason(bySegment is not null, device);
                reason = (_, _) => why;
                break;
            }
            case RecommendationLists.PopularInMarket:
            {
                // Nothing personal but the market: the lobby experiment's control group sees this instead of the personalised rows.
                diverse = false;
                var scores = (player.Market is { Length: > 0 } m ? view.Popularity(RecommenderModel.MarketKey(m)) : null)
                    ?? view.Popularity(RecommenderModel.Everyone) ?? new float[view.Games.Length];
                ranked = Ranked(scores, g => scores[g] > 0 && Offerable(g));
                reason = (_, _) => "Popular in your country";
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
                var scores = ForYouScores();
                ranked = Ranked(scores, g => view.Games[g].ReleasedAt >= since && !played.Games[g] && Offerable(g));
                reason = (g, _) => NewReason(view, player, g, now, device);
                break;
            }
            case RecommendationLists.ContinuePlaying:
            {
                diverse = false;
                if (player.Restricted)
                {
                    ranked = [];
                    reason = (_, _) => "";
                    note = "Nothing to continue while a safer-gambling restriction is in force.";
                    break;
                }
                // The player's own history is not marketing: every game they played that they can still play, jackpot
                // or not, consent or not.
                var recent = player.Plays.Where(p => p.Rounds > 0 && p.LastPlayedAt is not null)
                    .OrderByDescending(p => p.LastPlayedAt).ThenBy(p => p.GameId, StringComparer.Ordinal)
                    .Select(p => (Index: view.IndexOf(p.GameId), p.LastPlayedAt))
                    .Where(p => p.Index is { } g && Playable(g) && !excludePlayed)
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

    /// <summary>Which catalogue games the player played, and how many games in all (catalogue or not).</summary>
    private sealed class Played(bool[] games)
    {
        public bool[] Games { get; } = games;
        public int Count { get; set; }
    }

    /// <summary>for-you scores from the player's plays in their stored order (the fold-in's sums depend on it), on the device if any.</summary>
    private static float[] ForYou(CatalogModel view, Player player, DateTimeOffset now, string? device, float deviceWeight)
    {
        var confidence = view.Model.Settings.Confidence;
        var n = player.Plays.Count;
        Span<int> games = n <= 256 ? stackalloc int[n] : new int[n];
        Span<float> weights = n <= 256 ? stackalloc float[n] : new float[n];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            if (player.Index[i] < 0) continue;
            var play = player.Plays[i];
            var w = confidence.Weight(play.Rounds, play.LastPlayedAt, now);
            if (w <= 0) continue;
            games[count] = player.Index[i];
            weights[count++] = w;
        }
        // The taste leans to the profile's device already; only another device re-ranks it (CatalogModel.ForYou).
        return device is null
            ? view.ForYou(games[..count], weights[..count], player.Market, player.Segment)
            : view.ForYou(games[..count], weights[..count], player.Market, player.Segment, device, deviceWeight, usualDevice: player.Device);
    }

    /// <summary>
    /// One pipelined read: the few profile fields serving needs (HMGET), the per-game hash (HGETALL, parsed straight
    /// into plays against <paramref name="view"/>) and the segment. Null when nothing is held about the player
    /// (no profile hash and no plays), as for <see cref="ProfileReader.Decode"/>.
    /// </summary>
    private async Task<Player?> ReadAsync(string playerId, CatalogModel view, DateTimeOffset now)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var p = batch.HashGetAsync(keys.Profile(playerId), ServingFields);
        var g = batch.HashGetAllAsync(keys.Games(playerId));
        var s = batch.HashGetAsync(keys.Scores(playerId), SegmentFields);
        batch.Execute();
        await Task.WhenAll(p, g, s);
        var f = p.Result;
        // Only a profile hash without any of these fields and without plays needs a second look.
        if (g.Result.Length == 0 && f.All(v => v.IsNull) && !await db.KeyExistsAsync(keys.Profile(playerId))) return null;
        var segment = s.Result[0].HasValue && !s.Result[0].IsNullOrEmpty ? s.Result[0].ToString() : null;
        var plays = GamePlays.Parse(g.Result, view, out var index);
        var device = Text(f[DeviceField]) is { } d && Devices.Contains(d) ? d : null;
        var (allowed, restricted) = MarketingAllowed(f, now);
        return new Player(plays, index, segment, Text(f[0]) ?? Text(f[1]), allowed, device, restricted);
    }

    private static string? Text(RedisValue v) => v.IsNullOrEmpty ? null : v.ToString();

    private static long Number(RedisValue v) => !v.IsNull && long.TryParse(v.ToString(), CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>
    /// <see cref="MarketingPolicy.Evaluate"/> over the fields of <see cref="ServingFields"/>, decoded as
    /// <see cref="ProfileReader.Decode"/> decodes them: a restriction counts when it was set after the last lift and
    /// is in force now; at least one marketing channel must be consented to ("1").
    /// </summary>
    private static (bool Allowed, bool Restricted) MarketingAllowed(RedisValue[] f, DateTimeOffset now)
    {
        var lifted = Number(f[2]);
        DateTimeOffset? Restriction(int value, int setAt)
        {
            var v = Text(f[value]);
            if (v is null || Number(f[setAt]) <= lifted) return null;
            return v == "inf" ? ProfileReader.Indefinitely : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v, CultureInfo.InvariantCulture));
        }
        var selfExcluded = Restriction(3, 4);
        var coolingOff = Restriction(5, 6);
        var blockedUntil = Restriction(7, 8);
        if (selfExcluded > now || coolingOff > now || (blockedUntil is { } b && b > now)) return (false, true);
        // MarketingPolicy.VerificationReasons over the raw verdicts: no marketing; a geo-blocked player may launch nothing, so
        // not even their own history is offered.
        if (Text(f[GeoField]) == "blocked") return (false, true);
        if (Text(f[KycField]) == "rejected" || Text(f[AmlField]) == "high") return (false, false);
        if (HarmFlag.Parse(Text(f[HarmField])) is { Action: HarmFlag.Suppress }) return (false, false);
        for (var i = FirstConsentField; i < f.Length; i++)
        {
            if (!f[i].IsNull && f[i].ToString() == "1") return (true, false);
        }
        return (false, false);
    }

    /// <summary>
    /// The allowed games, best score first (ties in catalogue order, so the same state gives the same list), produced
    /// lazily from a heap: the lists take the first few dozen of a few hundred games, so most are never ordered.
    /// </summary>
    private static IEnumerable<(int Game, float Score)> Ranked(float[] scores, Func<int, bool> allowed)
    {
        var heap = new int[scores.Length];
        var n = 0;
        for (var g = 0; g < scores.Length; g++)
        {
            if (allowed(g)) heap[n++] = g;
        }
        return BestFirst(scores, heap, n);
    }

    private static IEnumerable<(int Game, float Score)> BestFirst(float[] scores, int[] heap, int n)
    {
        for (var i = n / 2 - 1; i >= 0; i--) SiftDown(scores, heap, i, n);
        while (n > 0)
        {
            var top = heap[0];
            heap[0] = heap[--n];
            SiftDown(scores, heap, 0, n);
            yield return (top, scores[top]);
        }
    }

    /// <summary>True when game <paramref name="a"/> goes before <paramref name="b"/>: higher score, then lower index.</summary>
    private static bool Before(float[] scores, int a, int b) => scores[a] != scores[b] ? scores[a] > scores[b] : a < b;

    private static void SiftDown(float[] scores, int[] heap, int i, int n)
    {
        var item = heap[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && Before(scores, heap[child + 1], heap[child])) child++;
            if (!Before(scores, heap[child], item)) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
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

    private static string ForYouReason(CatalogModel view, Player player, Played played, int g, DateTimeOffset now, string? device)
    {
        var game = view.Games[g];
        if (played.Games[g]) return "One of the games you play";
        if (played.Count == 0) return PopularReason(player.Segment is not null, device);
        if (Closest(view, player, g, now) is { Similarity: >= 0.3f } c) return $"Because you played {view.Games[c.Game].Title}";
        if (PlaysWellOn(view, g, device)) return $"Popular on {On(device!)}, for your taste in {Kind(game.Category)} games";
        return $"Picked for your taste in {Kind(game.Category)} games";
    }

    private static string NewReason(CatalogModel view, Player player, int g, DateTimeOffset now, string? device)
    {
        var game = view.Games[g];
        if (Closest(view, player, g, now) is { Similarity: >= 0.3f } c) return $"New release, like {view.Games[c.Game].Title}";
        if (PlaysWellOn(view, g, device)) return $"New {Kind(game.Category)} release, popular on {On(device!)}";
        return $"New {Kind(game.Category)} release for your taste";
    }

    /// <summary>"Popular with players like you" / "Popular in your country", saying the device when the list is the device's.</summary>
    private static string PopularReason(bool bySegment, string? device) => (bySegment, device) switch
    {
        (true, null) => "Popular with players like you",
        (true, { } d) => $"Popular with players like you on {On(d)}",
        (false, null) => "Popular in your country",
        (false, { } d) => $"Popular on {On(d)} in your country",
    };

    private static bool PlaysWellOn(CatalogModel view, int g, string? device) => view.DeviceLift(device) is { } lift && lift[g] >= DeviceReasonLift;

    /// <summary>The device as a reason says it: "on mobile", "on desktop", "on tablets".</summary>
    private static string On(string device) => device == "tablet" ? "tablets" : device;

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
