using Intelligence.Features;
using Intelligence.SaferGambling;
using Shared.Store;

namespace Intelligence.Tests.SaferGambling;

public sealed class HarmMarkersTests
{
    private static readonly long Today = ProfileReader.DayOf(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));

    private static PlayerHistory History(long registered, params (long Day, long Deposits, long Stake, long Win)[] days)
    {
        var buckets = new SortedDictionary<long, Bucket>();
        foreach (var d in days)
        {
            var v = new long[Bucket.Length];
            v[DayField.Deposits] = d.Deposits;
            v[DayField.DepositAmount] = d.Deposits * 500_000;
            v[DayField.Bets] = d.Stake > 0 ? 10 : 0;
            v[DayField.Stake] = d.Stake;
            v[DayField.Win] = d.Win;
            v[DayField.Active] = 1;
            buckets[d.Day] = new Bucket(v);
        }
        return new PlayerHistory("p", registered, null, null, null, buckets);
    }

    private static HarmMarker Marker(IReadOnlyList<HarmMarker> markers, string name) => markers.Single(m => m.Name == name);

    [Fact]
    public void DepositsWithinAnHour_CountTheLongestRunInAnySixtyMinutes_OfTheLastWeek()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(Today - 2).AddHours(22).ToUnixTimeMilliseconds();
        long[] times = [at, at + 10 * 60_000, at + 25 * 60_000, at + 59 * 60_000, at + 2 * 3_600_000];
        var trail = HarmTrail.Empty with { DepositTimes = times };
        var markers = HarmMarkers.At(History(Today - 200), trail, "MT", Today + 1);
        Assert.Equal(4, Marker(markers, "depositsWithinAnHour").Value);
        Assert.Equal(1, Marker(markers, "depositsWithinAnHour").Strength);
        // A week later they are out of the window.
        Assert.Equal(0, Marker(HarmMarkers.At(History(Today - 200), trail, "MT", Today + 9), "depositsWithinAnHour").Value);
    }

    [Fact]
    public void NightPlay_IsJudgedInThePlayersOwnTimeZone()
    {
        // 01:00 UTC in November: 02:00 in Malta (UTC+1) is night there; 20:00 in Toronto is not.
        var days = Enumerable.Range(1, 5).ToDictionary(i => Today - i, _ => new HarmDay(1 << 1, 0));
        var trail = HarmTrail.Empty with { Days = days };
        var history = History(Today - 200, [.. days.Keys.Select(d => (d, 0L, 0L, 0L))]);
        Assert.Equal(5, Marker(HarmMarkers.At(history, trail, "MT", Today + 1), "nightPlay").Value);
        Assert.Equal(0, Marker(HarmMarkers.At(history, trail, "CA", Today + 1), "nightPlay").Value);
        Assert.True(Marker(HarmMarkers.At(history, trail, "MT", Today + 1), "nightPlay").Strength > 0.9);
    }

    [Fact]
    public void RaisingOrLiftingADepositLimit_CountsAsLoosening_LoweringItDoesNot()
    {
        var t = DateTimeOffset.UnixEpoch.AddDays(Today - 20);
        var trail = HarmTrail.Empty with
        {
            Limits = [new(t, 100, "week"), new(t.AddDays(1), 50, "week"), new(t.AddDays(2), 200, "week"), new(t.AddDays(3), null, null)],
        };
        var m = Marker(HarmMarkers.At(History(Today - 200), trail, "MT", Today + 1), "limitLoosening");
        Assert.Equal(2, m.Value);
        Assert.Contains("2 times", m.Description);
    }

    [Fact]
    public void AQuietPlayer_ScoresLow_WithAPlainDriver()
    {
        var history = History(Today - 200, [.. Enumerable.Range(1, 60).Select(i => (Today - i * 3, 1L, 100_000L, 50_000L))]);
        var (p, drivers) = HarmRule.Score(HarmMarkers.At(history, HarmTrail.Empty, "DE", Today + 1));
        Assert.True(p < 0.1, $"p = {p}");
        Assert.All(drivers, d => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
    }

    [Fact]
    public void DepositingAgainOnLosingDays_IsChasing()
    {
        var history = History(Today - 200, [.. Enumerable.Range(1, 6).Select(i => (Today - i, 3L, 2_000_000L, 100_000L))]);
        var m = Marker(HarmMarkers.At(history, HarmTrail.Empty, "DE", Today + 1), "chasing");
        Assert.Equal(6, m.Value);
        Assert.Equal(1, m.Strength);
    }
}
