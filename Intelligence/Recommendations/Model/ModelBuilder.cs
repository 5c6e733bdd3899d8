using System.Diagnostics;
using Shared.Contracts;

namespace Intelligence.Recommendations.Model;

/// <summary>
/// One player's training data: where they play from, their segment if scored, their plays, and the device they play
/// on (the profile keeps the last one seen, not one per play, so all of a player's plays count for that device).
/// </summary>
public sealed record TrainingPlayer(string PlayerId, string? Market, string? Segment, IReadOnlyList<GameInteraction> Games, string? Device = null);

/// <summary>Trains a <see cref="RecommenderModel"/> from players' plays and the catalogue, whatever their source.</summary>
public static class ModelBuilder
{
    public static RecommenderModel Train(IReadOnlyList<TrainingPlayer> players, IReadOnlyList<Game> catalogue, ModelSettings settings,
        DateTimeOffset now, string version, IProgress<int>? iterationDone = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var gameIds = catalogue.Select(g => g.Id).Distinct(StringComparer.Ordinal).ToArray();
        var index = gameIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var confidence = settings.Confidence;
        var popularity = new Dictionary<string, float[]>(StringComparer.Ordinal) { [RecommenderModel.Everyone] = new float[gameIds.Length] };
        float[] Popular(string key) => popularity.TryGetValue(key, out var p) ? p : popularity[key] = new float[gameIds.Length];

        var cells = new List<(int, int, float)>();
        for (var p = 0; p < players.Count; p++)
        {
            var player = players[p];
            foreach (var play in player.Games)
            {
                if (!index.TryGetValue(play.GameId, out var g)) continue;
                var w = confidence.Weight(play.Rounds, play.LastPlayedAt, now);
                if (w <= 0) continue;
                cells.Add((p, g, w));
                var recency = play.LastPlayedAt is { } t && t < now ? (float)Math.Pow(0.5, (now - t).TotalDays / settings.PopularityHalfLifeDays) : 1f;
                Popular(RecommenderModel.Everyone)[g] += recency;
                if (player.Market is { Length: > 0 } m) Popular(RecommenderModel.MarketKey(m))[g] += recency;
                if (player.Segment is { Length: > 0 } s) Popular(RecommenderModel.SegmentKey(s))[g] += recency;
                if (player.Device is { Length: > 0 } d)
                {
                    Popular(RecommenderModel.DeviceKey(d))[g] += recency;
                    if (player.Market is { Length: > 0 } md) Popular(RecommenderModel.MarketDeviceKey(md, d))[g] += recency;
                }
            }
        }
        var matrix = InteractionMatrix.Build(players.Count, gameIds.Length, cells);
        var factors = ImplicitAls.Fit(matrix, settings.Als(), iterationDone, ct);

        var features = GameFeatures.Of(catalogue);
        var byId = catalogue.GroupBy(g => g.Id, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.First(), StringComparer.Ordinal);
        var vectors = gameIds.Select(id => features.Vector(byId[id])).ToArray();
        var gamePlayers = Enumerable.Range(0, gameIds.Length).Select(matrix.PlayersOf).ToArray();
        var trust = gamePlayers.Select(n => n / (n + 5f)).ToArray();
        var map = features.FitFactorMap(vectors, factors.Games, settings.Factors, trust);

        return new RecommenderModel
        {
            Version = version,
            TrainedAt = now,
            Settings = settings,
            GameIds = gameIds,
            GameFactors = factors.Games,
            GamePlayers = gamePlayers,
            FeatureNames = [.. features.Names],
            FactorMap = map,
            Popularity = popularity,
            Metrics = new ModelMetrics(players.Count, gameIds.Length, matrix.NonZeros, clock.Elapsed.TotalSeconds),
        };
    }
}
