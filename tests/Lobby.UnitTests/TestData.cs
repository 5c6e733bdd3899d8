using Shared.Contracts;

namespace Lobby.UnitTests;

/// <summary>Profiles and games for tests, with only what a test cares about to fill in.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A clock standing at <see cref="Now"/>.</summary>
    public static TimeProvider Clock() => new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);

    public static PlayerProfile Profile(string playerId, params GamePlay[] top) => Profile(playerId, top, []);

    public static PlayerProfile Profile(string playerId, GamePlay[] top, GamePlay[] recent) => new(
        playerId, Now.AddDays(-30), "MT", "MT", "EUR", "verified", null, null, null, null, null,
        new Dictionary<string, bool>(),
        new ResponsibleGambling(null, null, false, null),
        new LifetimeTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null),
        new Dictionary<string, ActivityTotals>(),
        new GameAffinity(top, recent, new Dictionary<string, decimal>(), new Dictionary<string, decimal>()));

    public static GamePlay Played(string gameId, DateTimeOffset? lastPlayedAt, long rounds = 10) =>
        new(gameId, rounds, rounds * 1.5m, lastPlayedAt);

    public static Game Game(string id, string title, string provider = "NetEnt", string category = "slots", bool enabled = true) =>
        new(id, title, provider, category, [], 96.1m, "medium", 0.1m, 100m, false, ["*"], Now.AddYears(-1), enabled);

    public static Dictionary<string, Game> Catalog(params Game[] games) => games.ToDictionary(g => g.Id, StringComparer.Ordinal);

    public static LobbyItem Item(string gameId, string title, string provider = "NetEnt", string category = "slots") =>
        new(gameId, title, provider, category);

    /// <summary>Makes a substitute Intelligence answer every list asked for with what <paramref name="byList"/> gives (null: left out).</summary>
    public static void Serve(Lobby.Rows.IRecommendations recommendations, string playerId, Func<string, RecommendationList?> byList) =>
        NSubstitute.SubstituteExtensions.Returns(
            recommendations.GetListsAsync(playerId, NSubstitute.Arg.Any<IReadOnlyList<string>>(), NSubstitute.Arg.Any<int>(), NSubstitute.Arg.Any<string?>(), NSubstitute.Arg.Any<CancellationToken>()),
            ci => Task.FromResult<IReadOnlyList<RecommendationList>?>([.. ((IReadOnlyList<string>)ci[1]).Select(byList).OfType<RecommendationList>()]));
}
