namespace Shared.Contracts;

/// <summary>
/// <c>GET /v1/affiliates/report?from=&amp;to=</c>: what each affiliate's players brought in a span of UTC days (inclusive; null:
/// all time), kept per affiliate and day as events are folded, and how its registration cohort of the span is predicted
/// to do. Amounts in the base currency.
/// </summary>
/// <param name="CohortComplete">False while part of the player index is loaded on no instance: the items' <c>cohort</c> is then null.</param>
public sealed record AffiliatesReport(DateOnly? From, DateOnly? To, DateTimeOffset AsOf, bool CohortComplete, IReadOnlyList<AffiliateReportItem> Items);

/// <param name="Registrations">Players attributed to the affiliate who registered in the span.</param>
/// <param name="Ftds">First-time depositors: players whose first approved deposit fell in the span.</param>
/// <param name="FtdAmount">The amount of those first deposits.</param>
/// <param name="DepositCount">Approved deposits in the span (a payment counts while its latest state is <c>approved</c>).</param>
/// <param name="Ggr">Stake − wins of the affiliate's players in the span (rolled-back bets and wins excluded).</param>
/// <param name="BonusCost">Bonuses granted to its players in the span.</param>
/// <param name="ChargebackAmount">Deposits whose latest state is <c>chargeback</c>, on the chargeback's day.</param>
/// <param name="Ngr">GGR − bonus cost − chargebacks.</param>
/// <param name="SelfExcluded">Of the span's registrations, players who have self-excluded since.</param>
/// <param name="SelfExclusionShare">SelfExcluded / Registrations (null without registrations): the safer-gambling share.</param>
/// <param name="Cohort">The span's registrations as scored now (null while the player index is incomplete).</param>
/// <param name="Campaigns">The cohort by campaign.</param>
/// <param name="Days">The figures per UTC day of the span that has any, oldest first.</param>
public sealed record AffiliateReportItem(
    string AffiliateId,
    long Registrations,
    long Ftds,
    decimal FtdAmount,
    long DepositCount,
    decimal DepositAmount,
    decimal Ggr,
    decimal BonusCost,
    long ChargebackCount,
    decimal ChargebackAmount,
    decimal Ngr,
    long SelfExcluded,
    double? SelfExclusionShare,
    AffiliateCohort? Cohort,
    IReadOnlyList<AffiliateCampaignCohort> Campaigns,
    IReadOnlyList<AffiliateDayFigures> Days);

/// <summary>
/// A registration cohort as the models see it now. The VIP model gives each depositor the probability of ending in the
/// top 5% of net gaming revenue over their first 90 days: <see cref="PredictedVipPlayers"/>, their sum, is the cohort's
/// predicted 90-day value in players, <see cref="PredictedVipShare"/> their mean.
/// </summary>
/// <param name="Players">The cohort's players the index holds.</param>
/// <param name="Scored">Those with a score.</param>
public sealed record AffiliateCohort(long Players, long Depositors, long Scored, double PredictedVipShare, double PredictedVipPlayers,
    double MeanChurn, double HighChurnShare, double LapsedShare);

/// <summary>One campaign of an affiliate's cohort.</summary>
public sealed record AffiliateCampaignCohort(string Campaign, AffiliateCohort Cohort);

/// <summary>One UTC day of an affiliate's figures.</summary>
public sealed record AffiliateDayFigures(DateOnly Day, long Registrations, long Ftds, decimal DepositAmount, decimal Ggr, decimal BonusCost,
    decimal ChargebackAmount, decimal Ngr);
