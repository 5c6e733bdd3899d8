using System.Globalization;
using System.Text;
using Intelligence.Segments;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Intelligence.Affiliates;

/// <summary>The affiliate report, the export affiliate platforms import, and <c>affiliate.ftd</c> postbacks.</summary>
public static class AffiliatesApi
{
    /// <summary>The most UTC days one export may span (it reads one hash per affiliate and day).</summary>
    public const int MaxExportDays = 31;

    /// <summary>The export's columns, in order.</summary>
    public const string ExportHeader = "date,affiliateId,btag,playerId,registrations,ftds,ftdAmount,depositCount,depositAmount,ggr,bonusCost,chargebackAmount,ngr";

    public static IHostApplicationBuilder AddAffiliates(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AffiliateDayReader>();
        builder.Services.AddSingleton<AffiliateReporter>();
        builder.Services.AddHostedService<AffiliateFtdPostbacks>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAffiliatesApi(this IEndpointRouteBuilder app)
    {
        var affiliates = app.MapGroup("/v1/affiliates").RequireAuthorization(Scopes.AffiliatesRead).WithTags("Affiliates");
        affiliates.MapGet("/report", ReportAsync).WithName("GetAffiliatesReport").WithSummary("Per affiliate: registrations, FTDs, deposits, GGR, bonus cost, chargebacks, NGR and the cohort's predicted value")
            .WithDescription("`from` and `to` are UTC dates (yyyy-MM-dd), inclusive, both optional (all time). Figures are kept per affiliate and day as events are folded. " +
                "NGR = GGR (stake − wins) − bonus cost (bonuses granted) − chargebacks. `cohort` is the span's registrations as the models score them now " +
                "(`predictedVipPlayers`: the expected number who end in the top 5% of 90-day NGR); null, with `cohortComplete` false, while part of the player index is not loaded. " +
                "Items are ranked by `cohort.predictedVipPlayers`, then NGR.");
        affiliates.MapGet("/export.csv", ExportAsync).WithName("ExportAffiliateActivity").Produces(200, contentType: "text/csv")
            .WithSummary("Daily player-activity rows for affiliate platforms, as CSV")
            .WithDescription($"One row per UTC day, affiliate and player with any activity. Columns: {ExportHeader}. `from` and `to` UTC dates, inclusive (default: today), at most {MaxExportDays} days.");
        return app;
    }

    internal static async Task<Results<Ok<AffiliatesReport>, ValidationProblem>> ReportAsync(HttpContext http, AffiliateReporter reporter, string? from = null, string? to = null)
    {
        var (f, t, problem) = Span(from, to);
        if (problem is not null) return problem;
        return TypedResults.Ok(await reporter.ReportAsync(f, t, http.RequestAborted));
    }

    internal static async Task<Results<ContentHttpResult, ValidationProblem>> ExportAsync(AffiliateDayReader reader, TimeProvider clock, string? from = null, string? to = null)
    {
        var (f, t, problem) = Span(from, to);
        if (problem is not null) return problem;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = f ?? t ?? today;
        var last = t ?? f ?? today;
        if (last.DayNumber - first.DayNumber + 1 > MaxExportDays)
        {
            return Bad("to", $"an export spans at most {MaxExportDays} days; ask for {first:yyyy-MM-dd} to {first.AddDays(MaxExportDays - 1):yyyy-MM-dd} and so on.");
        }
        var rows = await reader.PlayerDaysAsync(AffiliateReporter.DayNumber(first), AffiliateReporter.DayNumber(last));
        var csv = new StringBuilder(ExportHeader).Append('\n');
        foreach (var r in rows)
        {
            var x = r.Figures;
            csv.Append(DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)r.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(',')
                .Append(Csv.Field(r.AffiliateId)).Append(',').Append(Csv.Field(r.Btag)).Append(',').Append(Csv.Field(r.PlayerId)).Append(',')
                .Append(x.Registrations.ToString(CultureInfo.InvariantCulture)).Append(',').Append(x.Ftds.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(M(x.FtdUnits)).Append(',').Append(x.Deposits.ToString(CultureInfo.InvariantCulture)).Append(',').Append(M(x.DepositUnits)).Append(',')
                .Append(M(x.GgrUnits)).Append(',').Append(M(x.BonusUnits)).Append(',').Append(M(x.ChargebackUnits)).Append(',').Append(M(x.NgrUnits)).Append('\n');
        }
        return TypedResults.Text(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    private static string M(long units) => ProfileReader.Money(units).ToString(CultureInfo.InvariantCulture);

    private static (DateOnly? From, DateOnly? To, ValidationProblem? Problem) Span(string? from, string? to)
    {
        DateOnly? f = null, t = null;
        if (from is not null)
        {
            if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return (null, null, Bad("from", "must be a date as yyyy-MM-dd (UTC)."));
            f = d;
        }
        if (to is not null)
        {
            if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return (null, null, Bad("to", "must be a date as yyyy-MM-dd (UTC)."));
            t = d;
        }
        if (f is { } a && t is { } b && b < a) return (null, null, Bad("to", "must not be before from."));
        return (f, t, null);
    }

    private static ValidationProblem Bad(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"{field} {message}"] }, title: "Bad query");
}
