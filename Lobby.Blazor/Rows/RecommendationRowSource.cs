using System.Net;
using System.Net.Http.Json;
using Lobby.Experiments;
using Lobby.Upstream;
using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>A player's recommendation lists, as Intelligence serves them.</summary>
public interface IRecommendations
{
    /// <summary>
    /// The lists named, in one call (Intelligence reads the player once for all of them), or null when Intelligence does
    /// not know the player. <paramref name="device"/> (desktop, mobile or tablet) is the device the player is on now;
    /// null lets Intelligence use the profile's last device.
    /// </summary>
    Task<IReadOnlyList<RecommendationList>?> GetListsAsync(string playerId, IReadOnlyList<string> lists, int limit, string? device, CancellationToken cancellationToken = default);
}

internal sealed class IntelligenceRecommendations(IHttpClientFactory factory) : IRecommendations
{
    public async Task<IReadOnlyList<RecommendationList>?> GetListsAsync(string playerId, IReadOnlyList<string> lists, int limit, string? device, CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Intelligence);
        var query = $"lists={string.Join(',', lists)}&limit={limit}" + (device is null ? "" : $"&device={device}");
        using var response = await http.GetAsync($"v1/players/{Uri.EscapeDataString(playerId)}/recommendations/lists?{query}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PlayerRecommendations, cancellationToken))?.Lists;
    }
}

/// <summary>
/// The lobby's personalised rows from Intelligence's six recommendation lists, in the order a player scans a lobby,
/// asked for in one call, each with more games than a row shows (<see cref="PlacedRowSource"/> makes the rows distinct
/// and cuts them to <see cref="RowLength"/>).
/// A list that comes back empty (a new player's continue-playing, trending for a player who may not be marketed
/// to) is left out. If Intelligence cannot answer, the lobby falls back to the rows the profile alone gives, rather
/// than showing nothing. The lists are asked for the device of the request being served (from its User-Agent: the
/// page, its circuit or the hub connection); with no request at hand (a push after a round) Intelligence uses the
/// profile's last device, which the round's session has just set.
/// </summary>
internal sealed class RecommendationRowSource(IRecommendations recommendations, IGameCatalog catalog, ProfileRowSource fallback,
    IHttpContextAccessor http, ILogger<RecommendationRowSource> logger, ILobbyExperiment experiment) : ILobbyRowSource
{
    /// <summary>Games a row shows.</summary>
    public const int RowLength = 12;

    /// <summary>
    /// Games asked for per list: twice a row, so a row that loses games shown in a row above it still fills up
    /// (<see cref="FirstView"/>).
    /// </summary>
    public const int ListLength = 2 * RowLength;

    public static readonly IReadOnlyList<(string List, string Title)> Rows =
    [
        (RecommendationLists.ContinuePlaying, RowBuilder.ContinuePlayingTitle),
        (RecommendationLists.ForYou, "Recommended for you"),
        (RecommendationLists.BecauseYouPlayed, "Because you played"),
        (RecommendationLists.PopularInSegment, "Popular with players like you"),
        (RecommendationLists.NewForYou, "New for you"),
        (RecommendationLists.Trending, "Trending now"),
    ];

    /// <summary>
    /// The default experience the lobby experiment's control group sees instead: the player's own recent games and the
    /// games most played in their market, chosen by no model of the player's taste.
    /// </summary>
    public static readonly IReadOnlyList<(string List, string Title)> ControlRows =
    [
        (RecommendationLists.ContinuePlaying, RowBuilder.ContinuePlayingTitle),
        (RecommendationLists.PopularInMarket, "Popular in your country"),
    ];

    private static readonly IReadOnlyList<string> ListNames = [.. Rows.Select(r => r.List)];

    private static readonly IReadOnlyList<string> ControlListNames = [.. ControlRows.Select(r => r.List)];

    public async Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RecommendationList>? served;
        var device = DeviceOf(http.HttpContext?.Request.Headers.UserAgent.ToString());
        var control = await experiment.GroupAsync(playerId, cancellationToken) == ExperimentGroups.Control;
        var spec = control ? ControlRows : Rows;
        try
        {
            served = await recommendations.GetListsAsync(playerId, control ? ControlListNames : ListNames, ListLength, device, cancellationToken);
        }
        catch (Exception e) when (ServiceCalls.Unavailable(e, cancellationToken))
        {
            logger.LogWarning(e, "Recommendations for {PlayerId} are unavailable; showing the rows of the profile", playerId);
            return await fallback.GetRowsAsync(playerId, cancellationToken);
        }
        if (served is null) return [];
        var lists = spec.Select(r => served.FirstOrDefault(l => l.List == r.List)).ToArray();
        var games = await catalog.FindAsync([.. lists.Where(l => l is not null).SelectMany(l => l!.Items.Select(i => i.GameId)).Distinct()], cancellationToken);
        return Build(lists, games, spec);
    }

    /// <summary>
    /// The device a User-Agent names, as the contract's <c>device</c> says it (desktop, mobile, tablet), or null for
    /// none. Tablets first: an iPad or Android tablet's agent may also say "Mobile"; an Android agent without "Mobile"
    /// is a tablet.
    /// </summary>
    public static string? DeviceOf(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return null;
        bool Has(string s) => userAgent.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("iPad") || Has("Tablet") || (Has("Android") && !Has("Mobile"))) return "tablet";
        if (Has("Mobi") || Has("iPhone") || Has("iPod")) return "mobile";
        return "desktop";
    }

    /// <summary>Games a row of this list shows: <see cref="RowLength"/> for the recommendation rows (and the profile's fallback).</summary>
    public static int LengthOf(LobbyRow row) => ListNames.Contains(row.List) || ControlListNames.Contains(row.List) ? RowLength : int.MaxValue;

    /// <summary>Rows from lists (by <see cref="Rows"/> order) and the catalogue. Pure: no I/O.</summary>
    public static IReadOnlyList<LobbyRow> Build(IReadOnlyList<RecommendationList?> lists, IReadOnlyDictionary<string, Game> games) => Build(lists, games, Rows);

    /// <summary>Rows from lists (by the order of <paramref name="spec"/>) and the catalogue, each with the model version that chose it. Pure: no I/O.</summary>
    public static IReadOnlyList<LobbyRow> Build(IReadOnlyList<RecommendationList?> lists, IReadOnlyDictionary<string, Game> games, IReadOnlyList<(string List, string Title)> spec)
    {
        var rows = new List<LobbyRow>(spec.Count);
        for (var i = 0; i < spec.Count && i < lists.Count; i++)
        {
            if (lists[i] is not { Items.Count: > 0 } list) continue;
            var items = list.Items.Select(x => RowBuilder.Item(x.GameId, games)).OfType<LobbyItem>().ToList();
            if (items.Count == 0) continue;
            // "Because you played Book of Ra": the list's reason names the game, and so does the row.
            var title = spec[i].List == RecommendationLists.BecauseYouPlayed && list.Items[0].Reason.StartsWith("Because you played ", StringComparison.Ordinal)
                ? list.Items[0].Reason
                : spec[i].Title;
            rows.Add(new LobbyRow(spec[i].List, title, items, list.ModelVersion));
        }
        return rows;
    }
}
