using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Feeds;

/// <summary>What became of one event, for its source's traffic.</summary>
public enum FeedOutcome { Accepted, Duplicate, Rejected, DeadLettered }

/// <summary>
/// Every source's traffic, kept in the store per hour (so all instances add to one count): per minute the accepted,
/// duplicate and rejected events and dead letters, per hour the arrival-lag histogram and the total. <c>GET /v1/feeds</c>
/// reads it back and judges each source against the same hour of its previous days. Deposits' verdicts are kept the
/// same way per payment provider (PSP), and requests refused for a bad signature per source.
/// </summary>
public sealed class FeedStats(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IOptions<FeedOptions> options, IMeterFactory meterFactory)
{
    private readonly Counter<long> _payments = meterFactory.Create(IngestionMetrics.MeterName).CreateCounter<long>("ingestion.payment.attempts",
        description: "Deposit verdicts accepted, by payment provider (provider) and outcome (approved, declined)");
    private readonly Counter<long> _signatureFailures = meterFactory.Create(IngestionMetrics.MeterName).CreateCounter<long>("ingestion.feed.signature_failures",
        description: "Requests of a signed vendor adapter refused for a bad signature, by source");
    /// <summary>Upper bounds (ms) of the arrival-lag histogram's buckets; the last is open.</summary>
    public static readonly long[] LagBounds = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
        4 * 3_600_000L, 12 * 3_600_000L, 24 * 3_600_000L, long.MaxValue];

    private const int NowMinutes = 5, JudgedMinutes = 15;

    /// <summary>The window of <see cref="FeedStatus.RecentSignatureFailures"/>: alerts.yml's FeedSignatureFailures counts over 15 minutes.</summary>
    public const int SignatureMinutes = 15;
    private readonly FeedOptions _options = options.Value;

    private sealed class Tally
    {
        public long Accepted, Duplicates, Rejected, DeadLetters;
        public readonly long[] Lag = new long[LagBounds.Length];
    }

    /// <summary>Adds one request's events: each its source (the CloudEvent's, else <paramref name="fallbackSource"/>), outcome and JSON (for its time).</summary>
    public Task RecordAsync(IEnumerable<(JsonElement? Json, FeedOutcome Outcome)> events, string fallbackSource = "unknown")
    {
        if (!_options.Enabled) return Task.CompletedTask;
        var now = clock.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var bySource = new Dictionary<string, Tally>(StringComparer.Ordinal);
        Dictionary<string, (long Attempts, long Declines)>? byProvider = null;
        foreach (var (json, outcome) in events)
        {
            var source = SourceOf(json) ?? fallbackSource;
            if (!bySource.TryGetValue(source, out var t)) bySource[source] = t = new Tally();
            switch (outcome)
            {
                case FeedOutcome.Accepted: t.Accepted++; break;
                case FeedOutcome.Duplicate: t.Duplicates++; break;
                case FeedOutcome.Rejected: t.Rejected++; break;
                default: t.Rejected++; t.DeadLetters++; break;
            }
            // A duplicate's time is its first sending's: a resend hours later says nothing of how late the feed is now.
            if (outcome is FeedOutcome.Accepted && TimeOf(json) is { } time)
            {
                var lag = Math.Max(0, nowMs - time.ToUnixTimeMilliseconds());
                t.Lag[Array.FindIndex(LagBounds, b => lag <= b)]++;
            }
            // Only a first sending counts, so a resent verdict is not a second attempt.
            if (outcome is FeedOutcome.Accepted && DepositVerdictOf(json) is { } verdict)
            {
                byProvider ??= new(StringComparer.Ordinal);
                var (attempts, declines) = byProvider.GetValueOrDefault(verdict.Provider);
                byProvider[verdict.Provider] = (attempts + 1, declines + (verdict.Declined ? 1 : 0));
            }
        }
        if (bySource.Count == 0) return Task.CompletedTask;

        var db = redis.GetDatabase();
        var hour = nowMs / 3_600_000;
        var minute = (nowMs / 60_000 % 60).ToString(CultureInfo.InvariantCulture);
        var keep = TimeSpan.FromDays(_options.UsualDays + 1);
        var writes = new List<Task> { db.SetAddAsync(keys.FeedSources, bySource.Keys.Select(s => (RedisValue)s).ToArray()) };
        foreach (var (source, t) in bySource)
        {
            var key = keys.FeedHour(source, hour);
            void Add(string field, long n)
            {
                if (n != 0) writes.Add(db.HashIncrementAsync(key, field, n));
            }
            Add("a:" + minute, t.Accepted);
            Add("d:" + minute, t.Duplicates);
            Add("r:" + minute, t.Rejected);
            Add("t", t.Accepted + t.Duplicates + t.Rejected);
            Add("x", t.DeadLetters);
            for (var b = 0; b < t.Lag.Length; b++) Add("l:" + b.ToString(CultureInfo.InvariantCulture), t.Lag[b]);
            writes.Add(db.KeyExpireAsync(key, keep));
            var meta = keys.FeedMeta(source);
            writes.Add(db.HashSetAsync(meta, "first", nowMs, When.NotExists));
            writes.Add(db.HashSetAsync(meta, "last", nowMs));
        }
        foreach (var (provider, (attempts, declines)) in byProvider ?? [])
        {
            _payments.Add(attempts - declines, new("provider", provider), new("outcome", "approved"));
            _payments.Add(declines, new("provider", provider), new("outcome", "declined"));
            writes.Add(db.SetAddAsync(keys.PaymentProviders, provider));
            var hourKey = keys.PaymentHour(provider, hour);
            writes.Add(db.HashIncrementAsync(hourKey, "a:" + minute, attempts));
            if (declines > 0) writes.Add(db.HashIncrementAsync(hourKey, "d:" + minute, declines));
            writes.Add(db.KeyExpireAsync(hourKey, TimeSpan.FromHours(3)));
            var dayKey = keys.PaymentDay(provider, nowMs / 86_400_000);
            writes.Add(db.HashIncrementAsync(dayKey, "a", attempts));
            if (declines > 0) writes.Add(db.HashIncrementAsync(dayKey, "d", declines));
            writes.Add(db.KeyExpireAsync(dayKey, keep + TimeSpan.FromDays(1)));
        }
        return Task.WhenAll(writes);
    }

    /// <summary>Counts one request of <paramref name="source"/> refused for a bad signature (kept for a day, in the store so every instance adds to it).</summary>
    public Task SignatureFailedAsync(string source)
    {
        _signatureFailures.Add(1, new KeyValuePair<string, object?>("source", source));
        if (!_options.Enabled) return Task.CompletedTask;
        var db = redis.GetDatabase();
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var key = keys.FeedHour(source, nowMs / 3_600_000);
        // "s" for the day's total, "s:minute" for the in-product FeedSignatureFailures rule's last fifteen minutes.
        return Task.WhenAll(db.SetAddAsync(keys.FeedSources, source), db.HashIncrementAsync(key, "s"),
            db.HashIncrementAsync(key, "s:" + (nowMs / 60_000 % 60).ToString(CultureInfo.InvariantCulture)),
            db.KeyExpireAsync(key, TimeSpan.FromDays(_options.UsualDays + 1)));
    }

    public async Task<FeedsReport> ReadAsync()
    {
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow();
        var sources = (await db.SetMembersAsync(keys.FeedSources)).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList();
        var items = await Task.WhenAll(sources.Select(s => ReadSourceAsync(db, s, now)));
        var providers = (await db.SetMembersAsync(keys.PaymentProviders)).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList();
        var payments = await Task.WhenAll(providers.Select(p => ReadProviderAsync(db, p, now)));
        return new FeedsReport(items, now, payments);
    }

    /// <summary>A provider's deposit verdicts over the last 60 minutes, against its decline share over the previous UsualDays whole days.</summary>
    private async Task<PaymentProviderStatus> ReadProviderAsync(IDatabase db, string provider, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var today = nowMs / 86_400_000;
        var hours = HoursAsync(db, h => keys.PaymentHour(provider, h), nowMs);
        var days = Enumerable.Range(1, _options.UsualDays).Select(d => db.HashGetAsync(keys.PaymentDay(provider, today - d), ["a", "d"])).ToList();
        await Task.WhenAll([hours, .. days]);

        long attempts = SumMinutes(hours.Result, nowMs, "a", 60), declines = SumMinutes(hours.Result, nowMs, "d", 60);
        long usualAttempts = days.Sum(d => Count(d.Result[0])), usualDeclines = days.Sum(d => Count(d.Result[1]));
        var share = attempts == 0 ? 0 : declines / (double)attempts;
        double? usual = usualAttempts == 0 ? null : usualDeclines / (double)usualAttempts;
        return new PaymentProviderStatus(provider, attempts, declines, share, usual, DeclinesSpike(attempts, share, usual));
    }

    /// <summary>Enough attempts to judge, and a decline share well above the provider's usual one (a provider without history is not judged).</summary>
    internal bool DeclinesSpike(long attempts, double share, double? usual) =>
        attempts >= _options.MinPaymentAttempts && usual is { } u && share - u >= _options.DeclineSpikeOver;

    private async Task<FeedStatus> ReadSourceAsync(IDatabase db, string source, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var hour = nowMs / 3_600_000;
        var hours = HoursAsync(db, h => keys.FeedHour(source, h), nowMs);
        var letters = Enumerable.Range(0, 24).Select(h => db.HashGetAsync(keys.FeedHour(source, hour - h), ["x", "s"])).ToList();
        var days = Enumerable.Range(1, _options.UsualDays).Select(d => (Hour: hour - 24 * d, Total: db.HashGetAsync(keys.FeedHour(source, hour - 24 * d), "t"))).ToList();
        var meta = db.HashGetAllAsync(keys.FeedMeta(source));
        await Task.WhenAll([hours, meta, .. letters, .. days.Select(d => d.Total)]);

        var fields = hours.Result;
        long Sum(string kind, int minutes) => SumMinutes(fields, nowMs, kind, minutes);

        var perMinute = (Sum("a", NowMinutes) + Sum("d", NowMinutes)) / (double)NowMinutes;
        long accepted = Sum("a", JudgedMinutes), duplicates = Sum("d", JudgedMinutes), rejected = Sum("r", JudgedMinutes);
        var judged = accepted + duplicates + rejected;
        var rejectedShare = judged == 0 ? 0 : rejected / (double)judged;
        var duplicateShare = judged == 0 ? 0 : duplicates / (double)judged;

        var m = meta.Result.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var first = m.GetValueOrDefault("first", nowMs);
        // Only days on which the source already existed at this hour make its usual rate.
        var known = days.Where(d => d.Hour * 3_600_000 >= first - 3_600_000 + 1).ToList();
        double? usual = known.Count == 0 ? null : known.Sum(d => Count(d.Total.Result)) / (known.Count * 60.0);

        var lag = new long[LagBounds.Length];
        foreach (var f in fields)
        {
            for (var b = 0; b < lag.Length; b++) lag[b] += f.GetValueOrDefault("l:" + b.ToString(CultureInfo.InvariantCulture));
        }
        var (state, reason) = Judge(judged, rejected, rejectedShare, usual);
        return new FeedStatus(source, state, perMinute, usual, m.TryGetValue("last", out var last) ? DateTimeOffset.FromUnixTimeMilliseconds(last) : null,
            Quantile(lag, 0.50), Quantile(lag, 0.99), rejectedShare, duplicateShare, letters.Sum(l => Count(l.Result[0])), reason,
            letters.Sum(l => Count(l.Result[1]))) { RecentSignatureFailures = Sum("s", SignatureMinutes) };
    }

    /// <summary>The counters of the hour holding <paramref name="nowMs"/> and of the hour before it.</summary>
    private static async Task<Dictionary<string, long>[]> HoursAsync(IDatabase db, Func<long, RedisKey> key, long nowMs)
    {
        var hour = nowMs / 3_600_000;
        var current = db.HashGetAllAsync(key(hour));
        var previous = db.HashGetAllAsync(key(hour - 1));
        return [ToCounts(await current), ToCounts(await previous)];
    }

    /// <summary>A stored count; an absent field or key is none.</summary>
    private static long Count(RedisValue value) => (long?)value ?? 0;

    /// <summary>A per-minute counter (<c>kind:minute</c>) summed over the last <paramref name="minutes"/> (at most 60) minutes of <see cref="HoursAsync"/>'s two hours.</summary>

    private static long SumMinutes(Dictionary<string, long>[] hours, long nowMs, string kind, int minutes)
    {
        var hour = nowMs / 3_600_000;
        var minute = nowMs / 60_000;
        long sum = 0;
        for (var m = minute - minutes + 1; m <= minute; m++)
        {
            sum += hours[m / 60 == hour ? 0 : 1].GetValueOrDefault(kind + ":" + (m % 60).ToString(CultureInfo.InvariantCulture));
        }
        return sum;
    }

    /// <summary>The most hours <c>GET /v1/feeds/history</c> answers (the store keeps at least two days: Feeds:UsualDays + 1).</summary>
    public const int MaxHistoryHours = 48;

    /// <summary>Every source's last <paramref name="hours"/> hours (the current one included), oldest first, from the hourly counts the state is judged on.</summary>
    public async Task<FeedHistory> ReadHistoryAsync(int hours)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hours);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hours, MaxHistoryHours);
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow();
        var hour = now.ToUnixTimeMilliseconds() / 3_600_000;
        var sources = (await db.SetMembersAsync(keys.FeedSources)).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList();
        var reads = sources.Select(s => (Source: s, Hours: Enumerable.Range(0, hours).Select(i => hour - hours + 1 + i)
            .Select(h => (Hour: h, Fields: db.HashGetAllAsync(keys.FeedHour(s, h)))).ToList())).ToList();
        await Task.WhenAll(reads.SelectMany(r => r.Hours.Select(h => h.Fields)));
        var items = reads.Select(r => new FeedSeries(r.Source, r.Hours.Select(h =>
        {
            long accepted = 0, duplicates = 0, rejected = 0, letters = 0;
            foreach (var e in h.Fields.Result)
            {
                var name = e.Name.ToString();
                var n = (long)e.Value;
                if (name.StartsWith("a:", StringComparison.Ordinal)) accepted += n;
                else if (name.StartsWith("d:", StringComparison.Ordinal)) duplicates += n;
                else if (name.StartsWith("r:", StringComparison.Ordinal)) rejected += n;
                else if (name == "x") letters = n;
            }
            return new FeedHourCounts(DateTimeOffset.FromUnixTimeMilliseconds(h.Hour * 3_600_000), accepted, duplicates, rejected, letters);
        }).ToList())).ToList();
        return new FeedHistory(items, now);
    }

    /// <summary>The state over the last quarter hour, against the source's usual rate for this hour of the day.</summary>
    internal (string State, string Reason) Judge(long judged, long rejected, double rejectedShare, double? usual)
    {
        if (judged >= _options.MinExpectedEvents && rejectedShare >= _options.FailingRejectedShare)
        {
            return (FeedStates.Failing, $"{rejected} of the last {JudgedMinutes} minutes' {judged} events were rejected");
        }
        var expected = (usual ?? 0) * JudgedMinutes;
        if (expected >= _options.MinExpectedEvents)
        {
            if (judged == 0) return (FeedStates.Silent, $"no event for {JudgedMinutes} minutes where about {expected:0} are usual at this hour");
            if (judged < _options.QuietBelow * expected) return (FeedStates.Quiet, $"{judged} events in {JudgedMinutes} minutes where about {expected:0} are usual at this hour");
        }
        return (FeedStates.Ok, "");
    }

    /// <summary>The upper bound of the bucket holding the quantile (the last bucket's lower bound), or null without samples.</summary>
    private static long? Quantile(long[] histogram, double q)
    {
        var total = histogram.Sum();
        if (total == 0) return null;
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var b = 0; b < histogram.Length; b++)
        {
            seen += histogram[b];
            if (seen >= rank) return LagBounds[b] == long.MaxValue ? LagBounds[b - 1] : LagBounds[b];
        }
        return LagBounds[^2];
    }

    private static Dictionary<string, long> ToCounts(HashEntry[] entries) =>
        entries.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);

    private static string? SourceOf(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("source"u8, out var s) && s.ValueKind == JsonValueKind.String
            && s.GetString() is { Length: > 0 and <= 256 } v ? v : null;

    /// <summary>A deposit's final verdict and its PSP (<c>data.provider</c>): approved, or rejected (declined); null for anything else.</summary>
    private static (string Provider, bool Declined)? DepositVerdictOf(JsonElement? json)
    {
        if (json is not { ValueKind: JsonValueKind.Object } e || !e.TryGetProperty("type"u8, out var type) || !type.ValueEquals(EventTypes.WalletDeposit)
            || !e.TryGetProperty("data"u8, out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("provider"u8, out var p) || p.ValueKind != JsonValueKind.String || p.GetString() is not { Length: > 0 and <= 256 } provider
            || !data.TryGetProperty("status"u8, out var status))
        {
            return null;
        }
        return status.ValueEquals("approved"u8) ? (provider, false) : status.ValueEquals("rejected"u8) ? (provider, true) : null;
    }

    private static DateTimeOffset? TimeOf(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("time"u8, out var t) && t.ValueKind == JsonValueKind.String
            && t.TryGetDateTimeOffset(out var time) ? time : null;
}
