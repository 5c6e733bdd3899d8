namespace Intelligence;

/// <summary>What each group of Intelligence's operations is for, as its OpenAPI document says it.</summary>
public static class IntelligenceApiTags
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["Players"] = "A player's exact profile, as Ingestion folded it from every feed.",
        ["Scores"] = "Churn and VIP-potential probabilities with bands and drivers, the player's behaviour segment and marketing status, for CRM tools.",
        ["Recommendations"] = "Games for a player's lobby (six lists) and games similar to a game.",
        ["Placements"] = "Rows of games marketers put into the lobbies of a segment's members between a start and an end.",
        ["Models"] = "Model versions with their holdout evaluation, training runs and rollback.",
        ["Webhooks"] = "CRM webhooks: score band changes and segment entries and exits, signed, retried, dead-lettered.",
        ["Segments"] = "Marketers' segments: rule trees over the profile and scores, live membership, versions, audit and preview.",
        ["Experiments"] = "Control groups for placements, marketing segments and the lobby's personalisation: stable assignment, and uplift reports with 95% intervals.",
        ["Safer gambling"] = "The safer-gambling case queue: players at elevated or high harm risk, their markers over time, notes and outcomes.",
        ["Insights"] = "Segment size over time and score distributions.",
        ["Affiliates"] = "What each affiliate's players bring (registrations, FTDs, deposits, GGR, bonus cost, chargebacks, NGR) and their cohorts' predicted value; the export affiliate platforms import.",
    };
}
