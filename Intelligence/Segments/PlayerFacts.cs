using System.Globalization;
using Shared.Contracts;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>What segment rules are evaluated on: the player's profile and the scores stored for them.</summary>
public sealed record PlayerFacts(PlayerProfile Profile, ScoreFacts Scores);

/// <summary>
/// The score fields rules may use. <see cref="Version"/> is when the scores were made (unix ms; 0 when never scored):
/// it orders the data a membership decision was made on, so stale data never overwrites fresher.
/// </summary>
public sealed record ScoreFacts(double? Churn, string? ChurnBand, double? Vip, string? VipBand, string? SegmentId, long Version)
{
    public static readonly ScoreFacts None = new(null, null, null, null, null, 0);

    /// <summary>The fields of a player's <c>s:{id}</c> hash this reads, in the order <see cref="FromHash"/> expects them.</summary>
    public static readonly RedisValue[] HashFields = ["churn", "cb", "vip", "vb", "seg", "at"];

    public static ScoreFacts From(PlayerScores s) =>
        new(s.Churn?.Probability, s.Churn?.Band, s.Vip?.Probability, s.Vip?.Band, s.Segment?.Id, s.ScoredAt.ToUnixTimeMilliseconds());

    /// <summary>From the values of <see cref="HashFields"/> as stored by the score store.</summary>
    public static ScoreFacts FromHash(RedisValue[] v)
    {
        static double? D(RedisValue x) => x.HasValue && double.TryParse(x.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        static string? S(RedisValue x) => x.HasValue && !x.IsNullOrEmpty ? x.ToString() : null;
        return new ScoreFacts(D(v[0]), S(v[1]), D(v[2]), S(v[3]), S(v[4]), v[5].HasValue && long.TryParse(v[5].ToString(), CultureInfo.InvariantCulture, out var at) ? at : 0);
    }
}
