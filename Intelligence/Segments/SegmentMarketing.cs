using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>
/// The shared <see cref="MarketingPolicy"/> for a segment's channel: a marketing segment never holds a player who is
/// self-excluded, cooling off or blocked, whose KYC was rejected, whose AML risk is high, who is geo-blocked or whose harm-risk band suppresses marketing, nor one without consent for the segment's channel (without a channel: for
/// any channel). An excluded player is counted once, under the first reason in the policy's order
/// (<see cref="Reasons"/>), so the counts add up to the players excluded.
/// </summary>
public static class SegmentMarketing
{
    public static readonly IReadOnlyList<string> Reasons =
    [
        MarketingPolicy.SelfExcluded, MarketingPolicy.CoolingOff, MarketingPolicy.Blocked,
        MarketingPolicy.KycRejected, MarketingPolicy.AmlHighRisk, MarketingPolicy.GeoBlocked,
        MarketingPolicy.HarmRiskHigh, MarketingPolicy.HarmRiskElevated, MarketingPolicy.NoConsent,
    ];

    private static readonly (byte Flag, string Reason)[] Flagged =
    [
        (IndexColumns.Blocked, MarketingPolicy.Blocked), (IndexColumns.KycRejected, MarketingPolicy.KycRejected),
        (IndexColumns.AmlHighRisk, MarketingPolicy.AmlHighRisk), (IndexColumns.GeoBlocked, MarketingPolicy.GeoBlocked),
        (IndexColumns.HarmRiskHigh, MarketingPolicy.HarmRiskHigh), (IndexColumns.HarmRiskElevated, MarketingPolicy.HarmRiskElevated),
    ];

    /// <summary>Why the player may not be marketed to on <paramref name="channel"/>, or null when they may.</summary>
    public static string? ExclusionReason(PlayerProfile profile, DateTimeOffset now, string? channel)
    {
        var status = MarketingPolicy.Evaluate(profile, now);
        if (!status.Allowed) return status.Reasons[0];
        return channel is not null && !status.Channels.Contains(channel, StringComparer.Ordinal) ? MarketingPolicy.NoConsent : null;
    }

    /// <summary>The bit of the channel among the index's consent bits, or −1 for "any channel".</summary>
    public static int ChannelBit(string? channel)
    {
        if (channel is null) return -1;
        for (var i = 0; i < SegmentFields.ConsentChannels.Count; i++)
        {
            if (SegmentFields.ConsentChannels[i] == channel) return i;
        }
        throw new ArgumentException($"'{channel}' is not a marketing channel", nameof(channel));
    }

    /// <summary>
    /// <see cref="ExclusionReason"/> over a row of the index: the index in <see cref="Reasons"/>, or −1 when the player
    /// may be marketed to.
    /// </summary>
    public static int ExclusionReason(IndexColumns c, int row, long nowMs, int channelBit)
    {
        if (c.Dates[SegmentFields.SelfExcludedUntil][row] > nowMs) return 0;
        if (c.Dates[SegmentFields.CoolingOffUntil][row] > nowMs) return 1;
        var flags = c.Flags[row];
        for (var i = 0; i < Flagged.Length; i++)
        {
            if ((flags & Flagged[i].Flag) != 0) return 2 + i;
        }
        var given = c.ConsentGiven[row];
        return (channelBit < 0 ? given == 0 : (given & (1 << channelBit)) == 0) ? Reasons.Count - 1 : -1;
    }

    /// <summary><see cref="MarketingPolicy.Evaluate"/> over a row of the index (for webhooks of bulk membership changes).</summary>
    public static MarketingStatus Status(IndexColumns c, int row, long nowMs)
    {
        var reasons = new List<string>(2);
        if (c.Dates[SegmentFields.SelfExcludedUntil][row] > nowMs) reasons.Add(MarketingPolicy.SelfExcluded);
        if (c.Dates[SegmentFields.CoolingOffUntil][row] > nowMs) reasons.Add(MarketingPolicy.CoolingOff);
        foreach (var (flag, reason) in Flagged)
        {
            if ((c.Flags[row] & flag) != 0) reasons.Add(reason);
        }
        var channels = SegmentFields.ConsentChannels.Where((_, i) => (c.ConsentGiven[row] & (1 << i)) != 0).ToList();
        if (channels.Count == 0) reasons.Add(MarketingPolicy.NoConsent);
        return new MarketingStatus(reasons.Count == 0, reasons, reasons.Count == 0 ? channels : []);
    }
}
