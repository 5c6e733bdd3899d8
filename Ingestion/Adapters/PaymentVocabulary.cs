using static Ingestion.Adapters.VendorWords;

namespace Ingestion.Adapters;

/// <summary>How many minor units ("cents") a currency's major unit has (ISO 4217): 100 for most, 1 or 1000 for a few.</summary>
public static class MinorUnits
{
    private static readonly HashSet<string> None = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"];
    private static readonly HashSet<string> Three = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

    public static decimal PerMajor(string currency) => None.Contains(currency) ? 1m : Three.Contains(currency) ? 1000m : 100m;
}

/// <summary>A vendor's payment method name as one of contract 1b's methods.</summary>
public static class PaymentMethods
{
    public static string? Normalise(string? vendor)
    {
        if (string.IsNullOrWhiteSpace(vendor)) return null;
        var v = vendor.ToLowerInvariant();
        var words = Words(v);
        bool Has(params string[] terms) => terms.Any(t => Matches(v, words, t));
        if (Has("paysafe", "paysafecard", "voucher", "neosurf", "flexepin", "cashlib")) return "voucher";
        if (Has("card", "visa", "mastercard", "maestro", "amex", "diners", "discover", "jcb", "apple pay", "google pay")) return "card";
        if (Has("trustly", "open banking", "openbanking", "sofort", "klarna", "zimpler", "brite", "ideal", "instant bank")) return "open_banking";
        if (Has("skrill", "neteller", "paypal", "ecopayz", "muchbetter", "jeton", "astropay", "wallet", "mifinity")) return "e_wallet";
        if (Has("bank", "wire", "sepa", "transfer", "swift", "interac")) return "bank_transfer";
        if (Has("crypto", "bitcoin", "btc", "eth", "usdt", "tether", "litecoin")) return "crypto";
        if (Has("mobile", "carrier", "sms", "boku", "siru")) return "mobile";
        return "other";
    }
}

/// <summary>A vendor's decline text or code as one of contract 1b's normalised decline reasons.</summary>
public static class DeclineReasons
{
    public static string Normalise(string? vendor)
    {
        if (string.IsNullOrWhiteSpace(vendor)) return "other";
        var v = vendor.ToLowerInvariant();
        var words = Words(v);
        bool Has(params string[] terms) => terms.Any(t => Matches(v, words, t));
        if (Has("insufficient", "not enough", "nsf", "balance")) return "insufficient_funds";
        if (Has("limit", "exceed", "velocity", "too many")) return "limit_exceeded";
        if (Has("fraud", "risk", "stolen", "lost card", "blacklist", "suspicious")) return "suspected_fraud";
        if (Has("3ds", "3-d", "3d secure", "authentication", "authenticat", "cvv", "cvc", "pin")) return "authentication_failed";
        if (Has("expired", "invalid", "incorrect", "wrong")) return "expired_or_invalid";
        return "other";
    }
}

/// <summary>
/// Matching a vendor's free text against terms: a short term must be a whole word ("eth" is not in "something"), a long
/// one or a phrase may be part of a word ("paysafe" is in "paysafecard").
/// </summary>
internal static class VendorWords
{
    public static HashSet<string> Words(string text) =>
        [.. System.Text.RegularExpressions.Regex.Split(text, "[^a-z0-9]+").Where(w => w.Length > 0)];

    public static bool Matches(string text, HashSet<string> words, string term) =>
        term.Contains(' ') || term.Length >= 5 ? text.Contains(term, StringComparison.Ordinal) : words.Contains(term);
}
