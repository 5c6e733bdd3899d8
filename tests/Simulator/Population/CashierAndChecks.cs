namespace Simulator.Population;

/// <summary>
/// What the cashier and the compliance vendors add to a player's simulated history (contract 1b), drawn on a stream
/// of its own after the player has been simulated, so when and what everyone plays is exactly what it was:
/// <list type="bullet">
/// <item>Payment methods: each player keeps one (55%), two (33%) or three (12%) methods (card, e-wallet, open banking,
/// bank transfer, voucher, crypto, roughly in European iGaming's order of use), each through one PSP; 70% of deposits
/// go through the first; withdrawals go back to the first method that can take money back.</item>
/// <item>Declines: the deposits the player simulation already declines (about 3%, far more for a drifting at-risk
/// player) get a reason (insufficient funds 40%, failed authentication 18%, limit 12%, expired card 12%, fraud
/// suspicion 8%, other 10%) and the PSP's own code (ISO 8583 response codes for cards).</item>
/// <item>After approval: <see cref="ChargebackRate"/> of card and e-wallet deposits are charged back 30–90 days later;
/// <see cref="ReversedDepositRate"/> of bank and open-banking deposits are reversed (credited, never settled) 1–3 days
/// later; <see cref="ReversedWithdrawalRate"/> of withdrawals come back (returned by the bank) 2–7 days later; and
/// before <see cref="CancelledWithdrawalRate"/> of withdrawals the player requested one and cancelled it (pending,
/// then cancelled, under a transaction of its own). A payment's states are separate events of one transactionId.</item>
/// <item>KYC (Sumsub's verdicts): a depositor's check goes pending at the first deposit; the operator's existing
/// "verified" update gets its Sumsub verdict at the same time (after a retry for 10%); of depositors without it, 25%
/// are rejected (final), 35% asked to retry, the rest still pending.</item>
/// <item>AML: one risk assessment a day or less after the first deposit: low 85%, medium 12%, high 3%; a chargeback
/// brings a reassessment at medium.</item>
/// <item>Geo: a check at registration and at 10% of logins: allowed, 1.5% blocked (a proxy or VPN, or outside the
/// licensed area), 0.5% an error of the locator.</item>
/// </list>
/// </summary>
public static class CashierAndChecks
{
    public const double ChargebackRate = 0.005;
    public const double ReversedDepositRate = 0.01;
    public const double ReversedWithdrawalRate = 0.01;
    public const double CancelledWithdrawalRate = 0.04;
    public const double GeoCheckedLogins = 0.10;
    public const double GeoBlocked = 0.015;
    public const double GeoError = 0.005;
    public const string KycProvider = "sumsub";
    public const string KycLevel = "basic-kyc-level";
    public const string AmlProvider = "complyadvantage";

    private static readonly (string Method, double Weight, string[] Providers)[] Methods =
    [
        ("card", 50, ["adyen", "worldpay", "nuvei"]),
        ("e_wallet", 25, ["skrill", "neteller", "paypal"]),
        ("open_banking", 10, ["trustly", "truelayer"]),
        ("bank_transfer", 8, ["trustly"]),
        ("voucher", 4, ["paysafecard"]),
        ("crypto", 3, ["coinspaid"]),
    ];

    // Declines by reason, with a card's ISO 8583 response code; other methods send the PSP's own word.
    private static readonly (string Reason, double Weight, string CardCode)[] Declines =
    [
        ("insufficient_funds", 40, "51"),
        ("authentication_failed", 18, "1A"),
        ("limit_exceeded", 12, "61"),
        ("expired_or_invalid", 12, "54"),
        ("suspected_fraud", 8, "59"),
        ("other", 10, "05"),
    ];

    private static readonly string[] RetryLabels = ["UNSATISFACTORY_PHOTOS", "DOCUMENT_PAGE_MISSING", "SCREENSHOTS"];
    private static readonly string[] RejectLabels = ["FORGERY", "SELFIE_MISMATCH", "DUPLICATE", "UNDERAGE_PERSON"];
    private static readonly string[] AmlReasons = ["pep_match", "adverse_media", "source_of_funds"];

    /// <summary>Adds to <paramref name="activities"/> (in place) what the cashier and the checks make of them; nothing at or after <paramref name="end"/>.</summary>
    public static void Apply(Random rng, Player player, List<Activity> activities, DateTimeOffset end)
    {
        var methods = PickMethods(rng);
        (string Method, string Provider) payout = methods.Any(m => m.Method != "voucher") ? methods.First(m => m.Method != "voucher") : ("bank_transfer", "trustly");
        var added = new List<Activity>();
        var firstDeposit = (Activity?)null;
        for (var i = 0; i < activities.Count; i++)
        {
            var a = activities[i];
            switch (a.Kind)
            {
                case ActivityKind.Deposit:
                {
                    var (method, provider) = methods.Count == 1 || rng.NextDouble() < 0.7 ? methods[0] : methods[rng.Next(1, methods.Count)];
                    a = a with { Text = method, Provider = provider };
                    if (a.Status == "rejected")
                    {
                        var (reason, _, code) = Declines[Sampling.Pick(rng, Declines.Select(d => d.Weight).ToArray())];
                        a = a with { DeclineReason = reason, VendorCode = method == "card" ? code : reason.ToUpperInvariant() };
                    }
                    else if (method is "card" or "e_wallet" && rng.NextDouble() < ChargebackRate)
                    {
                        var at = a.Time.AddDays(30 + rng.NextDouble() * 60);
                        added.Add(a with { Time = at, Status = "chargeback" });
                        added.Add(new Activity(ActivityKind.Aml, at.AddHours(1), a.Id + "-aml") { Text = "medium", Provider = AmlProvider, Reasons = ["chargeback"] });
                    }
                    else if (method is "bank_transfer" or "open_banking" && rng.NextDouble() < ReversedDepositRate)
                    {
                        added.Add(a with { Time = a.Time.AddDays(1 + rng.NextDouble() * 2), Status = "reversed" });
                    }
                    if (a.Status == "approved") firstDeposit ??= a;
                    break;
                }
                case ActivityKind.Withdrawal:
                {
                    a = a with { Text = payout.Method, Provider = payout.Provider };
                    if (rng.NextDouble() < ReversedWithdrawalRate) added.Add(a with { Time = a.Time.AddDays(2 + rng.NextDouble() * 5), Status = "reversed" });
                    if (rng.NextDouble() < CancelledWithdrawalRate)
                    {
                        var requested = a.Time.AddHours(-1 - rng.NextDouble() * 23);
                        if (requested > player.RegisteredAt)
                        {
                            var request = a with { Id = a.Id + "c", Time = requested, Status = "pending" };
                            added.Add(request);
                            added.Add(request with { Time = requested.AddMinutes(10 + rng.Next(0, 110)), Status = "cancelled" });
                        }
                    }
                    break;
                }
                case ActivityKind.Registered:
                    added.Add(Geo(rng, a, a.Time.AddSeconds(1)));
                    break;
                case ActivityKind.Login when rng.NextDouble() < GeoCheckedLogins:
                    added.Add(Geo(rng, a, a.Time));
                    break;
            }
            activities[i] = a;
        }
        if (firstDeposit is not null) added.AddRange(Verification(rng, firstDeposit, activities));
        activities.AddRange(added.Where(a => a.Time < end));
    }

    private static List<(string Method, string Provider)> PickMethods(Random rng)
    {
        var u = rng.NextDouble();
        var count = u < 0.55 ? 1 : u < 0.88 ? 2 : 3;
        var left = Methods.ToList();
        var picked = new List<(string Method, string Provider)>(count);
        for (var i = 0; i < count; i++)
        {
            var m = left[Sampling.Pick(rng, left.Select(x => x.Weight).ToArray())];
            left.Remove(m);
            picked.Add((m.Method, m.Providers[rng.Next(m.Providers.Length)]));
        }
        return picked;
    }

    private static Activity Geo(Random rng, Activity at, DateTimeOffset time)
    {
        var u = rng.NextDouble();
        var (result, reasons) = u < GeoBlocked ? ("blocked", rng.NextDouble() < 0.7 ? "proxy_detected" : "outside_licensed_area")
            : u < GeoBlocked + GeoError ? ("error", "location_unavailable") : ("allowed", null);
        return new Activity(ActivityKind.Geo, time, at.Id + "-geo") { Text = result, Reasons = reasons is null ? null : [reasons] };
    }

    /// <summary>The player's KYC verdicts (Sumsub's) and AML assessment, starting at their first approved deposit.</summary>
    private static IEnumerable<Activity> Verification(Random rng, Activity first, List<Activity> activities)
    {
        var id = first.Id;
        var start = first.Time.AddMinutes(1 + rng.Next(0, 30));
        Activity Kyc(int n, DateTimeOffset t, string status, string[]? reasons = null, bool? final = null) =>
            new(ActivityKind.Kyc, t, $"{id}-kyc{n}") { Text = status, Provider = KycProvider, Reasons = reasons, Final = final };

        yield return Kyc(1, start, "pending");
        var verified = activities.FirstOrDefault(a => a.Kind == ActivityKind.Updated && a.Text == "verified");
        if (verified is not null)
        {
            if (rng.NextDouble() < 0.10) yield return Kyc(2, start + (verified.Time - start) / 2, "retry", [RetryLabels[rng.Next(RetryLabels.Length)]], false);
            yield return Kyc(3, verified.Time, "verified", final: true);
        }
        else
        {
            var u = rng.NextDouble();
            var at = start.AddHours(1 + rng.Next(0, 72));
            if (u < 0.25) yield return Kyc(2, at, "rejected", [RejectLabels[rng.Next(RejectLabels.Length)]], true);
            else if (u < 0.60) yield return Kyc(2, at, "retry", [RetryLabels[rng.Next(RetryLabels.Length)]], false);
        }

        var risk = rng.NextDouble();
        var level = risk < 0.85 ? "low" : risk < 0.97 ? "medium" : "high";
        yield return new Activity(ActivityKind.Aml, first.Time.AddHours(1 + rng.NextDouble() * 23), id + "-aml0")
        {
            Text = level, Provider = AmlProvider, Reasons = level == "low" ? null : [AmlReasons[rng.Next(AmlReasons.Length)]],
        };
    }
}
