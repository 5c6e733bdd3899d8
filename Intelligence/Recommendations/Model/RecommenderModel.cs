using System.IO.Compression;
using System.Text;

namespace Intelligence.Recommendations.Model;

/// <summary>How a model learns; stored with it, so serving folds players in exactly as training solved them.</summary>
public sealed record ModelSettings(
    int Factors = 32,
    int Iterations = 12,
    double Regularization = 20,
    double Alpha = 2,
    double Epsilon = 2,
    double HalfLifeDays = 45,
    double PopularityHalfLifeDays = 14,
    double ContentPrior = 3)
{
    public Confidence Confidence => new(Alpha, Epsilon, HalfLifeDays);

    public AlsOptions Als(int seed = 17) => new(Factors, Iterations, Regularization, seed);
}

public sealed record ModelMetrics(int Players, int Games, int Interactions, double TrainingSeconds);

/// <summary>
/// A trained recommender, independent of where its data came from: ALS game factors, the feature-to-factor map for
/// games without plays, and popularity by market and by segment for players without history. Player factors are not
/// kept: a player's row is folded in from their current plays whenever it is needed.
/// </summary>
public sealed class RecommenderModel
{
    private const int FormatVersion = 1;

    public required string Version { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required ModelSettings Settings { get; init; }
    public required string[] GameIds { get; init; }
    /// <summary>ALS factors, <see cref="ModelSettings.Factors"/> a game, in <see cref="GameIds"/> order.</summary>
    public required float[] GameFactors { get; init; }
    /// <summary>How many players played each game in the training data.</summary>
    public required int[] GamePlayers { get; init; }
    public required string[] FeatureNames { get; init; }
    /// <summary>Features × factors: where metadata alone puts a game.</summary>
    public required float[] FactorMap { get; init; }
    /// <summary>
    /// Recency-weighted count of players per game, over everyone (key ""), per market, per segment, per device and per
    /// market and device. Models trained before devices were counted have no device keys: serving then ignores the device.
    /// </summary>
    public required IReadOnlyDictionary<string, float[]> Popularity { get; init; }
    public required ModelMetrics Metrics { get; init; }

    public const string Everyone = "";

    public static string MarketKey(string market) => "market:" + market;

    public static string SegmentKey(string segment) => "segment:" + segment;

    public static string DeviceKey(string device) => "device:" + device;

    public static string MarketDeviceKey(string market, string device) => "market:" + market + "|device:" + device;

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(gzip, Encoding.UTF8))
        {
            w.Write(FormatVersion);
            w.Write(Version);
            w.Write(TrainedAt.ToUnixTimeMilliseconds());
            var s = Settings;
            w.Write(s.Factors); w.Write(s.Iterations); w.Write(s.Regularization); w.Write(s.Alpha); w.Write(s.Epsilon);
            w.Write(s.HalfLifeDays); w.Write(s.PopularityHalfLifeDays); w.Write(s.ContentPrior);
            WriteStrings(w, GameIds);
            WriteFloats(w, GameFactors);
            w.Write(GamePlayers.Length);
            foreach (var n in GamePlayers) w.Write(n);
            WriteStrings(w, FeatureNames);
            WriteFloats(w, FactorMap);
            w.Write(Popularity.Count);
            foreach (var (key, values) in Popularity)
            {
                w.Write(key);
                WriteFloats(w, values);
            }
            w.Write(Metrics.Players); w.Write(Metrics.Games); w.Write(Metrics.Interactions); w.Write(Metrics.TrainingSeconds);
        }
        return buffer.ToArray();
    }

    public static RecommenderModel Deserialize(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var r = new BinaryReader(gzip, Encoding.UTF8);
        var format = r.ReadInt32();
        if (format != FormatVersion) throw new InvalidDataException($"recommender model format {format} is not {FormatVersion}; retrain");
        var version = r.ReadString();
        var trainedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var settings = new ModelSettings(r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        var gameIds = ReadStrings(r);
        var factors = ReadFloats(r);
        var players = new int[r.ReadInt32()];
        for (var i = 0; i < players.Length; i++) players[i] = r.ReadInt32();
        var features = ReadStrings(r);
        var map = ReadFloats(r);
        var popularity = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var n = r.ReadInt32(); n > 0; n--) popularity[r.ReadString()] = ReadFloats(r);
        var metrics = new ModelMetrics(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble());
        return new RecommenderModel
        {
            Version = version, TrainedAt = trainedAt, Settings = settings, GameIds = gameIds, GameFactors = factors,
            GamePlayers = players, FeatureNames = features, FactorMap = map, Popularity = popularity, Metrics = metrics,
        };
    }

    private static void WriteStrings(BinaryWriter w, string[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        var values = new string[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadString();
        return values;
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var values = new float[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadSingle();
        return values;
    }
}
