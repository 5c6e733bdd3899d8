using Shared.Contracts;

namespace Simulator.Population;

/// <summary>
/// How one player picks a game: from habit (favourites, by how often played) or by discovery, where a game's weight is
/// the player's liking of its category, themes and provider, doubled for a game released in the last month, and
/// weighed by how the game suits the session's device (<see cref="DeviceFit"/>): on a phone quick games win and live
/// tables lose. Favourites are played wherever the player is, so the device shapes what a player discovers, and
/// through that what becomes a favourite.
/// </summary>
public sealed class GameChooser
{
    private const int MaxFavourites = 8;
    private static readonly string[] Devices = ["desktop", "mobile", "tablet"];
    private readonly Game[] _games;
    private readonly double[] _liking;
    private readonly double[][] _fit;
    private readonly List<(int Game, int Plays)> _favourites = [];

    public GameChooser(Player player, IReadOnlyList<Game> catalogue)
    {
        _games = catalogue.Where(g => g.Enabled && (g.Markets.Contains("*") || g.Markets.Contains(player.Country))).ToArray();
        _liking = new double[_games.Length];
        for (var i = 0; i < _games.Length; i++)
        {
            var g = _games[i];
            var category = player.Archetype.Categories.TryGetValue(g.Category, out var c) ? c : 0.01;
            var themes = 0.0;
            foreach (var tag in g.Tags) themes += player.ThemeTaste.TryGetValue(tag, out var t) ? t : 0;
            var provider = player.ProviderTaste.TryGetValue(g.Provider, out var p) ? p : 0;
            _liking[i] = category * (0.2 + themes) * (1 + 2 * provider);
        }
        _fit = Devices.Select(d => _games.Select(g => DeviceFit(d, g)).ToArray()).ToArray();
    }

    /// <summary>
    /// How much more (above 1) or less a game is played on a device than its liking says: by category (a phone suits
    /// short rounds, a desktop long live sessions), times the game's own mobile fit (how well its layout works on a small
    /// screen), which is fixed per game. A tablet sits halfway between the two.
    /// </summary>
    public static double DeviceFit(string device, Game game)
    {
        var category = game.Category switch
        {
            "instant" or "crash" => 1.4,
            "slots" => 1.1,
            "bingo" => 1.0,
            "table" => 0.8,
            "live" => 0.7,
            _ => 1.0,
        };
        var mobile = category * MobileFit(game.Id);
        return device switch
        {
            "mobile" => mobile,
            "tablet" => Math.Sqrt(mobile),
            _ => 1 / Math.Sqrt(mobile),
        };
    }

    /// <summary>A game's own fit to a small screen, 0.6 to 1.5, from its id (FNV-1a): the same game fits the same way in every run.</summary>
    public static double MobileFit(string gameId)
    {
        var h = 2166136261u;
        foreach (var c in gameId) h = unchecked((h ^ c) * 16777619u);
        return 0.6 + 0.9 * (h % 1001) / 1000.0;
    }

    public IReadOnlyList<string> Favourites => _favourites.Select(f => _games[f.Game].Id).ToList();

    public Game Choose(Random rng, double habit, DateTimeOffset now, string device)
    {
        var fit = _fit[Math.Max(0, Array.IndexOf(Devices, device))];
        int pick;
        if (_favourites.Count > 0 && rng.NextDouble() < habit)
        {
            Span<double> plays = stackalloc double[_favourites.Count];
            for (var i = 0; i < plays.Length; i++) plays[i] = _favourites[i].Plays;
            pick = _favourites[Sampling.Pick(rng, plays)].Game;
        }
        else
        {
            Span<double> weights = _games.Length <= 1024 ? stackalloc double[_games.Length] : new double[_games.Length];
            for (var i = 0; i < _games.Length; i++)
            {
                var released = _games[i].ReleasedAt;
                weights[i] = released > now ? 0 : (now - released < TimeSpan.FromDays(30) ? 2 * _liking[i] : _liking[i]) * fit[i];
            }
            pick = Sampling.Pick(rng, weights);
        }
        Played(pick);
        return _games[pick];
    }

    private void Played(int game)
    {
        var at = _favourites.FindIndex(f => f.Game == game);
        if (at >= 0)
        {
            _favourites[at] = (game, _favourites[at].Plays + 1);
            return;
        }
        if (_favourites.Count == MaxFavourites)
        {
            var least = 0;
            for (var i = 1; i < _favourites.Count; i++) if (_favourites[i].Plays < _favourites[least].Plays) least = i;
            _favourites.RemoveAt(least);
        }
        _favourites.Add((game, 1));
    }
}
