using Intelligence.Segments;
using Shared.Contracts;
using Shared.Store;

namespace Intelligence.Affiliates;

/// <summary>
/// The affiliate report: the figures Ingestion keeps per affiliate and UTC day as it folds events (read, never computed
/// from profiles, so its cost grows with affiliates and days, not players), joined with each affiliate's registration
/// cohort of the span as the player index scores it now.
/// </summary>
internal sealed class AffiliateReporter(AffiliateDayReader days, SegmentQueries queries, TimeProvider clock)
{
    public async Task<AffiliatesReport> ReportAsync(DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var figures = await days.DaysAsync(from is { } f ? DayNumber(f) : long.MinValue, to is { } t ? DayNumber(t) : long.MaxValue);
        var (cohorts, missing) = await queries.AffiliatesAsync(Start(from), Start(to?.AddDays(1)), now, ct);
        var complete = cohorts is not null && missing.Count == 0;
        var rows = complete ? cohorts!.Items.Where(r => r.AffiliateId is not null).ToList() : [];
        var ids = figures.Keys.Concat(rows.Select(r => r.AffiliateId!)).Distinct(StringComparer.Ordinal);
        var items = new List<AffiliateReportItem>();
        foreach (var id in ids)
        {
            var byDay = figures.GetValueOrDefault(id) ?? [];
            var sum = byDay.Values.Aggregate(AffiliateFigures.Zero, (s, d) => s.Plus(d));
            var total = rows.FirstOrDefault(r => r.AffiliateId == id && r.Campaign is null);
            items.Add(new AffiliateReportItem(id, sum.Registrations, sum.Ftds, Money(sum.FtdUnits), sum.Deposits, Money(sum.DepositUnits),
                Money(sum.GgrUnits), Money(sum.BonusUnits), sum.Chargebacks, Money(sum.ChargebackUnits), Money(sum.NgrUnits), sum.SelfExcluded,
                sum.Registrations == 0 ? null : Math.Round((double)sum.SelfExcluded / sum.Registrations, 4),
                !complete ? null : Cohort(total),
                [.. rows.Where(r => r.AffiliateId == id && r.Campaign is not null).Select(r => new AffiliateCampaignCohort(r.Campaign!, Cohort(r)))],
                [.. byDay.Where(d => d.Value != AffiliateFigures.Zero).Select(d => new AffiliateDayFigures(DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)d.Key),
                    d.Value.Registrations, d.Value.Ftds, Money(d.Value.DepositUnits), Money(d.Value.GgrUnits), Money(d.Value.BonusUnits),
                    Money(d.Value.ChargebackUnits), Money(d.Value.NgrUnits)))]));
        }
        // Partners ranked by what their cohort is predicted to be worth, then by what it has brought.
        items = [.. items.OrderByDescending(i => i.Cohort?.PredictedVipPlayers ?? 0).ThenByDescending(i => i.Ngr).ThenBy(i => i.AffiliateId, StringComparer.Ordinal)];
        return new AffiliatesReport(from, to, now, complete, items);
    }

    private static AffiliateCohort Cohort(AffiliateRow? r) => r is null
        ? new AffiliateCohort(0, 0, 0, 0, 0, 0, 0, 0)
        : new AffiliateCohort(r.Players, r.Depositors, r.Scored, r.PredictedVipShare, r.PredictedVipPlayers, r.MeanChurn, r.HighChurnShare, r.LapsedShare);

    /// <summary>Days since 1970-01-01, as the store numbers them.</summary>
    public static long DayNumber(DateOnly d) => d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static DateTimeOffset? Start(DateOnly? d) => d is { } x ? new DateTimeOffset(x.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;

    private static decimal Money(long units) => ProfileReader.Money(units);
}
