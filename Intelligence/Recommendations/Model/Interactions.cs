namespace Intelligence.Recommendations.Model;

/// <summary>What a player did with one game, as the profile keeps it: rounds, stake and when last played.</summary>
public readonly record struct GameInteraction(string GameId, long Rounds, decimal Stake, DateTimeOffset? LastPlayedAt);

/// <summary>
/// How much a play says about taste (Hu, Koren and Volinsky's confidence, minus the 1 every cell has):
/// <c>α·log(1 + rounds/ε)</c>, halved every <see cref="HalfLifeDays"/> since the game was last played, so a game
/// played a thousand times last year counts less than one played fifty times this week. Stake is left out on purpose:
/// it measures the player's bankroll more than their liking, and rounds already carry repeat play.
/// </summary>
public sealed record Confidence(double Alpha = 2, double Epsilon = 2, double HalfLifeDays = 45)
{
    public float Weight(long rounds, DateTimeOffset? lastPlayedAt, DateTimeOffset now)
    {
        if (rounds <= 0) return 0;
        var w = Alpha * Math.Log(1 + rounds / Epsilon);
        if (lastPlayedAt is { } t && t < now) w *= Math.Pow(0.5, (now - t).TotalDays / HalfLifeDays);
        return (float)w;
    }
}

/// <summary>
/// The implicit-feedback matrix ALS learns from: players × games, each non-zero cell holding a confidence weight
/// (<see cref="Confidence"/>). Rows and columns are both kept in compressed form, since ALS alternates between them.
/// </summary>
public sealed class InteractionMatrix
{
    private InteractionMatrix(int players, int games, int[] rowStart, int[] rowGames, float[] rowWeights, int[] colStart, int[] colPlayers, float[] colWeights)
    {
        Players = players;
        Games = games;
        RowStart = rowStart;
        RowGames = rowGames;
        RowWeights = rowWeights;
        ColStart = colStart;
        ColPlayers = colPlayers;
        ColWeights = colWeights;
    }

    public int Players { get; }
    public int Games { get; }
    public int NonZeros => RowGames.Length;
    internal int[] RowStart { get; }
    internal int[] RowGames { get; }
    internal float[] RowWeights { get; }
    internal int[] ColStart { get; }
    internal int[] ColPlayers { get; }
    internal float[] ColWeights { get; }

    public ReadOnlySpan<int> GamesOf(int player) => RowGames.AsSpan(RowStart[player], RowStart[player + 1] - RowStart[player]);

    public ReadOnlySpan<float> WeightsOf(int player) => RowWeights.AsSpan(RowStart[player], RowStart[player + 1] - RowStart[player]);

    /// <summary>How many players played each game (column sizes).</summary>
    public int PlayersOf(int game) => ColStart[game + 1] - ColStart[game];

    /// <summary>Builds the matrix from (player, game, weight) cells; cells with weight ≤ 0 are left out, repeated cells add up.</summary>
    public static InteractionMatrix Build(int players, int games, IEnumerable<(int Player, int Game, float Weight)> cells)
    {
        var merged = new Dictionary<long, float>();
        foreach (var (p, g, w) in cells)
        {
            if (w <= 0) continue;
            if ((uint)p >= players || (uint)g >= games) throw new ArgumentOutOfRangeException(nameof(cells), $"cell ({p}, {g}) is outside {players}×{games}");
            var key = (long)p * games + g;
            merged[key] = merged.GetValueOrDefault(key) + w;
        }
        var sorted = merged.OrderBy(kv => kv.Key).ToArray();
        var rowStart = new int[players + 1];
        var rowGames = new int[sorted.Length];
        var rowWeights = new float[sorted.Length];
        var colCount = new int[games + 1];
        for (var i = 0; i < sorted.Length; i++)
        {
            var p = (int)(sorted[i].Key / games);
            var g = (int)(sorted[i].Key % games);
            rowStart[p + 1]++;
            rowGames[i] = g;
            rowWeights[i] = sorted[i].Value;
            colCount[g + 1]++;
        }
        for (var p = 0; p < players; p++) rowStart[p + 1] += rowStart[p];
        for (var g = 0; g < games; g++) colCount[g + 1] += colCount[g];
        var colStart = (int[])colCount.Clone();
        var next = (int[])colCount.Clone();
        var colPlayers = new int[sorted.Length];
        var colWeights = new float[sorted.Length];
        for (var p = 0; p < players; p++)
        {
            for (var i = rowStart[p]; i < rowStart[p + 1]; i++)
            {
                var at = next[rowGames[i]]++;
                colPlayers[at] = p;
                colWeights[at] = rowWeights[i];
            }
        }
        return new InteractionMatrix(players, games, rowStart, rowGames, rowWeights, colStart, colPlayers, colWeights);
    }
}
