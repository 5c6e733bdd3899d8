// Follows Sumsub's public docs: "User verification webhooks" (docs.sumsub.com/docs/user-verification-webhooks: types
// applicantReviewed, applicantPending, applicantOnHold, applicantReset; payload attributes applicantId, inspectionId,
// correlationId "a unique identifier of the event", levelName, externalUserId "a unique user identifier on your side",
// type, sandboxMode, reviewStatus, createdAtMs "yyyy-MM-dd HH:mm:ss.fff ... in UTC", reviewResult) and "Receive results
// via API" (reviewResult.reviewAnswer GREEN approved / RED rejected, reviewRejectType FINAL / RETRY, rejectLabels).
using System.Globalization;
using System.Text.Json;
using Shared.Contracts;
using static Ingestion.Adapters.VendorWebhooks;

namespace Ingestion.Adapters.Sumsub;

/// <summary>
/// A Sumsub webhook as a canonical <c>player.kyc</c> event. Its time is the webhook's <c>createdAtMs</c>, so the fold's
/// last-writer-wins orders verdicts as Sumsub made them: a late-arriving older webhook never overrides a newer verdict,
/// and a RED after a GREEN wins (at the same millisecond too: the stricter verdict wins a tie).
/// </summary>
/// <remarks>
/// Mapping: applicantReviewed GREEN → <c>verified</c>; RED with FINAL → <c>rejected</c> (final); RED with RETRY →
/// <c>retry</c>; RED without a type → <c>rejected</c>; applicantPending → <c>pending</c>; applicantOnHold →
/// <c>pending</c> (reason <c>on_hold</c>); applicantReset → <c>retry</c> (reason <c>reset</c>: the documents were set
/// inactive, the applicant must submit again). Reasons are the rejectLabels. Other types carry no verdict.
/// </remarks>
public static class SumsubMapper
{
    public const string Source = "/compat/sumsub";

    public static readonly IReadOnlyList<string> VerdictTypes = ["applicantReviewed", "applicantPending", "applicantOnHold", "applicantReset"];

    public static VendorMapping Map(JsonElement body, DateTimeOffset receivedAt)
    {
        if (body.ValueKind != JsonValueKind.Object) return VendorMapping.Fail("the body must be a JSON object");
        var type = Text(body, "type");
        if (type is null || !VerdictTypes.Contains(type)) return VendorMapping.Ignored;
        var player = Text(body, "externalUserId");
        if (string.IsNullOrEmpty(player)) return VendorMapping.Fail("field externalUserId: is required (our player id, set when the applicant was created)");

        DateTimeOffset? time = receivedAt;
        if (Text(body, "createdAtMs") is { } created)
        {
            time = CreatedAt(created);
            if (time is null) return VendorMapping.Fail($"field createdAtMs: '{created}' is not a time such as 2021-05-14 16:00:25.032 (UTC)");
        }

        var review = Child(body, "reviewResult");
        var labels = Strings(review, "rejectLabels");
        string status;
        bool? final = null;
        var reasons = labels;
        switch (type)
        {
            case "applicantReviewed":
                var answer = Text(review, "reviewAnswer");
                if (answer == "GREEN") status = "verified";
                else if (answer == "RED")
                {
                    var rejectType = Text(review, "reviewRejectType");
                    status = rejectType == "RETRY" ? "retry" : "rejected";
                    final = rejectType == "FINAL";
                }
                else return VendorMapping.Fail($"field reviewResult.reviewAnswer: must be GREEN or RED, got '{answer ?? "nothing"}'");
                break;
            case "applicantOnHold":
                status = "pending";
                reasons = ["on_hold", .. labels];
                break;
            case "applicantReset":
                status = "retry";
                reasons = ["reset"];
                break;
            default:
                status = "pending";
                break;
        }

        // correlationId identifies the event, so a resend of the same webhook counts once.
        var id = Text(body, "correlationId") is { Length: > 0 } correlation
            ? $"sumsub-{correlation}"
            : $"sumsub-{Text(body, "applicantId")}-{type}-{time!.Value.ToUnixTimeMilliseconds()}";
        return VendorMapping.Of(CanonicalEvent.Kyc(id, Source, time, player,
            new KycVerdict(status, "sumsub", Text(body, "levelName"), reasons.Count == 0 ? null : [.. reasons.Select(Code)], final)));
    }

    /// <summary>Sumsub's <c>createdAtMs</c>: "yyyy-MM-dd HH:mm:ss.fff" in UTC (an ISO 8601 time is read too).</summary>
    public static DateTimeOffset? CreatedAt(string text)
    {
        if (DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
        {
            return new DateTimeOffset(t, TimeSpan.Zero);
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso) ? iso : null;
    }

    /// <summary>A reject label as a reason code (labels are upper-case words; commas and bars are not allowed in codes).</summary>
    private static string Code(string label) => label.Length > 64 ? label[..64] : label.Replace(',', '_').Replace('|', '_');
}
