using Shared.Contracts;

namespace Lobby.Components.Console.Placements;

/// <summary>How the console words a placement: what it shows and when.</summary>
public static class PlacementFormat
{
    public static string Content(Placement placement) => placement.Kind switch
    {
        PlacementKinds.Games => placement.GameIds.Count == 1 ? "1 game" : $"{placement.GameIds.Count} games",
        PlacementKinds.Category => $"category {placement.Category}",
        _ => placement.Kind,
    };

    public static PlacementState State(Placement placement, DateTimeOffset now) =>
        now < placement.StartsAt ? PlacementState.Scheduled : now < placement.EndsAt ? PlacementState.Live : PlacementState.Ended;

    /// <summary>"24 Nov 2026, 05:00 → 1 Dec 2026, 05:00 UTC".</summary>
    public static string Range(Placement placement) =>
        $"{ConsoleFormat.Exact(placement.StartsAt).Replace(" UTC", "", StringComparison.Ordinal)} → {ConsoleFormat.Exact(placement.EndsAt)}";

    public static string Window(Placement placement, DateTimeOffset now) => State(placement, now) switch
    {
        PlacementState.Scheduled => $"starts {ConsoleFormat.Exact(placement.StartsAt)}",
        PlacementState.Live => $"live until {ConsoleFormat.Exact(placement.EndsAt)}",
        _ => $"ended {ConsoleFormat.Exact(placement.EndsAt)}",
    };
}

public enum PlacementState
{
    Scheduled,
    Live,
    Ended,
}
