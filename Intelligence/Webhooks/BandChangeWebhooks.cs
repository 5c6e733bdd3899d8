using Intelligence.Scoring;

namespace Intelligence.Webhooks;

/// <summary>
/// Turns rescoring into CRM webhooks: <c>churn.band.changed</c>, <c>vip.band.changed</c> and <c>harm.band_changed</c> when a player's band
/// moves. A player's first scoring sets a band without announcing it (otherwise a first deployment would announce
/// every player); the publisher drops events for players who may not be marketed to.
/// </summary>
public sealed class BandChangeWebhooks(IWebhookPublisher publisher) : IScoreObserver
{
    public async Task OnScoredAsync(IReadOnlyList<ScoreChange> changes, CancellationToken ct)
    {
        foreach (var c in changes)
        {
            var s = c.Scores;
            if (s.Churn is { } churn && c.Before.Churn is { } churnBefore && churnBefore != churn.Band)
            {
                await publisher.PublishAsync(WebhookEvent.ChurnBandChanged(s.PlayerId, s.ScoredAt, churnBefore, churn), s.Marketing, ct);
            }
            if (s.Vip is { } vip && c.Before.Vip is { } vipBefore && vipBefore != vip.Band)
            {
                await publisher.PublishAsync(WebhookEvent.VipBandChanged(s.PlayerId, s.ScoredAt, vipBefore, vip), s.Marketing, ct);
            }
            // The first harm scoring of a player already at risk is announced: the safer-gambling team must hear of it.
            if (s.Harm is { } harm && (c.Before.Harm ?? "low") != harm.Band)
            {
                await publisher.PublishAsync(WebhookEvent.HarmBandChanged(s.PlayerId, s.ScoredAt, c.Before.Harm, harm), s.Marketing, ct);
            }
        }
    }
}
