using System.ComponentModel.DataAnnotations;

namespace Lobby.Catalogue;

/// <summary>Section <c>Lobby:Catalogue</c>: how the lobby browses the catalogue and badges its games.</summary>
public sealed class CatalogueOptions
{
    public const string Section = "Lobby:Catalogue";

    /// <summary>A game released within this many days carries the "New" badge.</summary>
    [Range(1, 365)]
    public int NewReleaseDays { get; set; } = 30;

    /// <summary>The hours of play counted for the "Hot" badge (the same per-hour counts as Intelligence's trending list).</summary>
    [Range(1, 168)]
    public int HotHours { get; set; } = 6;

    /// <summary>How many of the most-played games of those hours are "Hot".</summary>
    [Range(1, 100)]
    public int HotGames { get; set; } = 10;

    /// <summary>Games in one category row.</summary>
    [Range(1, 200)]
    public int CategoryRowLength { get; set; } = 24;

    /// <summary>Games a search shows at most.</summary>
    [Range(1, 200)]
    public int SearchLimit { get; set; } = 30;
}
