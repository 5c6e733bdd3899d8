namespace Ingestion;

/// <summary>What each group of Ingestion's operations is for, as its OpenAPI document says it.</summary>
public static class IngestionApiTags
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["Events"] = "Canonical events (CloudEvents 1.0) from the wallet, the PAM and game providers: folded into exact player profiles.",
        ["Dead letters"] = "Events and vendor messages that could not be ingested, with the reason, kept for fixing and replay.",
        ["Operations"] = "Integration health for on-call engineers: reconciliation of wallet and payment feeds, live feed status.",
        ["Catalog"] = "The operator's game catalogue, pushed whole or in part; the lobby and the recommender offer only games it lists.",
        ["Players"] = "Player data rights: erasure of everything stored about a player.",
        ["fasttrack"] = "Fast Track-compatible operator integration endpoints: the operator's existing Fast Track feed, mapped to canonical events.",
        ["hub88"] = "A tap of Hub88's seamless-wallet callbacks, mirrored by the operator and checked with Hub88's signature; answers in Hub88's shape.",
    };
}
