namespace Shared.Store;

/// <summary>
/// The fields of a player's profile hash (<see cref="StoreKeys.Profile"/>) that readers outside Ingestion use, as
/// <c>Ingestion/Profiles/fold.lua</c> writes them. The fold script is the writer and spells them itself; a test
/// (<c>ProfileFieldsTests</c>) holds every name here to the script, and <see cref="Lifetime"/> to its <c>LIFETIME</c> table.
/// </summary>
public static class ProfileFields
{
    // Who the player is (player.registered / player.updated).
    public const string Registered = "reg";
    public const string Country = "cty";
    public const string Market = "mkt";
    public const string Currency = "cur";
    public const string Affiliate = "aff";
    public const string Campaign = "cmp";
    public const string Channel = "chn";
    public const string BirthYear = "by";
    public const string Vip = "vip";
    public const string Btag = "btg";
    public const string ClickId = "clk";
    public const string Device = "dev";

    // Verifications: the status in force; its details are the same name + "x" (see ProfileReader).
    public const string Kyc = "kyc";
    public const string Aml = "aml";
    public const string Geo = "geo";

    // Lifetime counters, each also a position in a day bucket (see Lifetime).
    public const string DepositCount = "dc";
    public const string DepositAmount = "da";
    public const string WithdrawalCount = "wc";
    public const string WithdrawalAmount = "wa";
    public const string BetCount = "bc";
    public const string StakeAmount = "sa";
    public const string WinAmount = "wn";
    public const string BonusStakeAmount = "bs";
    public const string BonusAmount = "bo";
    public const string SessionCount = "sc";
    public const string LoginCount = "lc";
    public const string DeclinedInsufficientFunds = "dr1";
    public const string DeclinedLimitExceeded = "dr2";
    public const string DeclinedSuspectedFraud = "dr3";
    public const string DeclinedAuthenticationFailed = "dr4";
    public const string DeclinedExpiredOrInvalid = "dr5";
    public const string DeclinedOther = "dr6";
    public const string ChargebackCount = "cbc";
    public const string ChargebackAmount = "cba";
    public const string ReversedDepositCount = "rdc";
    public const string ReversedDepositAmount = "rda";
    public const string ReversedWithdrawalCount = "rwc";
    public const string ReversedWithdrawalAmount = "rwa";
    public const string RefundCount = "rfc";
    public const string RefundAmount = "rfa";

    /// <summary>
    /// The lifetime counters in the order of a day bucket's numbers (fold.lua's <c>LIFETIME</c>): position <c>i + 1</c> of a
    /// day holds what counter <c>Lifetime[i]</c> totals. Null at the position with no lifetime counter (12, "active that day").
    /// </summary>
    public static readonly IReadOnlyList<string?> Lifetime =
    [
        DepositCount, DepositAmount, WithdrawalCount, WithdrawalAmount, BetCount, StakeAmount, WinAmount, BonusStakeAmount,
        BonusAmount, SessionCount, LoginCount, null,
        DeclinedInsufficientFunds, DeclinedLimitExceeded, DeclinedSuspectedFraud, DeclinedAuthenticationFailed,
        DeclinedExpiredOrInvalid, DeclinedOther, ChargebackCount, ChargebackAmount, ReversedDepositCount, ReversedDepositAmount,
        ReversedWithdrawalCount, ReversedWithdrawalAmount, RefundCount, RefundAmount,
    ];

    /// <summary>The day-bucket position (1-based) of a lifetime counter.</summary>
    public static int PositionOf(string counter)
    {
        for (var i = 0; i < Lifetime.Count; i++)
        {
            if (Lifetime[i] == counter) return i + 1;
        }
        throw new ArgumentException($"'{counter}' is not a lifetime counter of the profile", nameof(counter));
    }

    // Times (unix ms) and the active-day count.
    public const string FirstDepositAt = "fd";
    public const string LastDepositAt = "ld";
    public const string LastBetAt = "lb";
    public const string LastActiveAt = "la";
    public const string ActiveDays = "ad";

    // Responsible gambling: each restriction with its set time (StampOf), and when restrictions were last lifted.
    public const string RestrictionsLiftedAt = "lf";
    public const string SelfExcludedUntil = "se";
    public const string CoolingOffUntil = "co";
    public const string BlockedUntil = "bl";
    public const string DepositLimit = "dl";

    // Payment methods: the set as a bit mask (PaymentMethodSets), the first and the last.
    public const string PaymentMethodMask = "mm";
    public const string FirstPaymentMethod = "fm";
    public const string LastPaymentMethod = "lm";

    /// <summary>A marketing consent is the field <c>c:{channel}</c>, "1" when granted.</summary>
    public const string ConsentPrefix = "c:";

    public static string Consent(string channel) => ConsentPrefix + channel;

    /// <summary>The field holding when <paramref name="field"/> was set (unix ms of the event that set it).</summary>
    public static string StampOf(string field) => "@" + field;
}
