using System.Diagnostics.Metrics;
using Intelligence.Features;
using Intelligence.SaferGambling;
using Shared.Contracts;

namespace Intelligence.Scoring;

/// <summary>A player's new scores next to the bands they had before, for whoever acts on changes (webhooks, segments).</summary>
public sealed record ScoreChange(PlayerProfile Profile, PlayerScores Scores, StoredBands Before);

/// <summary>Acts on freshly stored scores.</summary>
public interface IScoreObserver
{
    Task OnScoredAsync(IReadOnlyList<ScoreChange> changes, CancellationToken ct);
}

/// <summary>A player just scored, before the scores are stored.</summary>
public sealed record ScoredPlayer(PlayerProfile Profile, PlayerScores Scores);

/// <summary>
/// Completes fresh scores before they are stored: marketers' segments decide the players' memberships here and fill
/// <see cref="PlayerScores.Segments"/>. It runs where the players were claimed, so once per change; a failure sends
/// the players back to the change feed rather than store scores without it.
/// </summary>
public interface IScoringStage
{
    /// <summary>The scores to store, in the order given.</summary>
    Task<IReadOnlyList<PlayerScores>> CompleteAsync(IReadOnlyList<ScoredPlayer> scored, CancellationToken ct);
}

/// <summary>Reads players, scores them, stores the scores and tells the observers: the one path live rescoring and the sweep share.</summary>
public sealed class Rescorer(HistoryReader reader, PlayerScorer scorer, ScoreStore store, HarmFlags harmFlags, IEnumerable<IScoringStage> stages, IEnumerable<IScoreObserver> observers,
    ScoringMetrics metrics, ILogger<Rescorer> log)
{
    /// <summary>Rescores the players (unknown ones are skipped) and returns how many were scored.</summary>
    public async Task<int> RescoreAsync(IReadOnlyList<string> playerIds, CancellationToken ct)
    {
        if (playerIds.Count == 0) return 0;
        var snapshotsTask = reader.ReadAsync(playerIds);
        var beforeTask = store.ReadBandsAsync(playerIds);
        var snapshots = await snapshotsTask;
        var before = await beforeTask;
        var scored = new List<ScoredPlayer>(playerIds.Count);
        var bands = new List<StoredBands>(playerIds.Count);
        var flagged = new List<(string, HarmFlag?, ProbabilityScore?)>();
        for (var i = 0; i < playerIds.Count; i++)
        {
            if (snapshots[i] is not { } s) continue;
            var (scores, profile) = scorer.ScoreAndFlag(s);
            scored.Add(new ScoredPlayer(profile, scores));
            bands.Add(before[i]);
            if (profile.Harm != s.Profile.Harm) flagged.Add((profile.PlayerId, profile.Harm, scores.Harm));
        }
        // The harm flag goes into the profile before anyone acts on these scores, so every marketing path (segments,
        // webhooks at delivery, placements, the lobby) sees the same decision from this rescoring on.
        await harmFlags.WriteAsync(flagged);
        foreach (var stage in stages)
        {
            var completed = await stage.CompleteAsync(scored, ct);
            scored = [.. scored.Select((p, i) => p with { Scores = completed[i] })];
        }
        // What the write replaced is the truth about "before": another rescoring of the player may have stored in between.
        var replaced = await store.WriteAsync([.. scored.Select(p => p.Scores)]);
        var changes = scored.Select((p, i) => new ScoreChange(p.Profile, p.Scores, replaced[i] ?? bands[i])).ToList();
        metrics.Scored(changes.Count);
        foreach (var observer in observers)
        {
            try
            {
                await observer.OnScoredAsync(changes, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "{Observer} failed on {Count} rescored players", observer.GetType().Name, changes.Count);
            }
        }
        return changes.Count;
    }
}

public sealed class ScoringMetrics
{
    public const string MeterName = "Casino.Scoring";
    private readonly Meter _meter;
    private readonly Counter<long> _scored;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _sweeps;

    /// <summary>The meter comes from the host's factory, so each host (and test host) counts its own.</summary>
    public ScoringMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _scored = _meter.CreateCounter<long>("intelligence.players.scored", description: "Players rescored (live and sweep)");
        _lag = _meter.CreateHistogram<double>("intelligence.rescore.lag", unit: "ms", description: "From a profile change entering the change feed to its scores being stored");
        _sweeps = _meter.CreateCounter<long>("intelligence.sweeps", description: "Completed sweeps rescoring every player");
    }

    public void Scored(int n) => _scored.Add(n);
    public void Lag(double ms) => _lag.Record(ms);
    public void Swept() => _sweeps.Add(1);
}
