using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// Every key and channel name, built in this one place. All keys of one player carry the player id as
/// their hash tag (<c>{p-1042}</c>), so a player's keys live in one slot and the same Lua runs on Redis Cluster.
/// </summary>
public sealed class StoreKeys(string prefix = "")
{
    public string Prefix { get; } = prefix;

    /// <summary>Profile hash: identity, PAM state, lifetime counters, last-writer-wins stamps.</summary>
    public RedisKey Profile(string playerId) => $"{Prefix}p:{{{playerId}}}";

    /// <summary>Per-day buckets (field = day number since 1970-01-01 UTC), pruned after the retention.</summary>
    public RedisKey Days(string playerId) => $"{Prefix}d:{{{playerId}}}";

    /// <summary>Per-game play: <c>{gameId}:n</c> rounds, <c>:s</c> stake, <c>:t</c> last played (unix s).</summary>
    public RedisKey Games(string playerId) => $"{Prefix}g:{{{playerId}}}";

    /// <summary>
    /// Ledger of the transactions and events counted within the retention (binary records keyed by fingerprint, see
    /// Ingestion/Profiles/fold.lua), for de-duplication, rollbacks and payment states.
    /// </summary>
    public RedisKey Ledger(string playerId) => $"{Prefix}l:{{{playerId}}}";

    /// <summary>The ledger as versions before the retention-long one kept it (field = transaction or event id); read once by the upgrade.</summary>
    public RedisKey LegacyLedger(string playerId) => $"{Prefix}t:{{{playerId}}}";

    /// <summary>The pattern (SCAN MATCH) of every <see cref="LegacyLedger"/> key.</summary>
    public string LegacyLedgerPattern => $"{Prefix}t:{{*}}";

    /// <summary>The form the store's ledgers are in (Ingestion's upgrade sets it once it has carried older ones over).</summary>
    public RedisKey StoreVersion => $"{Prefix}ingestion:store-version";

    /// <summary>Everything derived from the player elsewhere (scores, memberships) is added here as it appears.</summary>
    public RedisKey Scores(string playerId) => $"{Prefix}s:{{{playerId}}}";

    /// <summary>What vendor adapters must remember of a player's payment orders (e.g. a Trustly order's direction): field <c>vendor:order</c>.</summary>
    public RedisKey VendorOrders(string playerId) => $"{Prefix}vo:{{{playerId}}}";

    /// <summary>
    /// The mark an erasure leaves (unix ms of the erasure): while it is there, events for the player are refused, so a
    /// replay or a late feed cannot bring them back. It holds nothing but the time.
    /// </summary>
    public RedisKey Erased(string playerId) => $"{Prefix}erased:{{{playerId}}}";

    /// <summary>Every key held about one player, for erasure.</summary>
    public RedisKey[] AllOf(string playerId) =>
        [Profile(playerId), Days(playerId), Games(playerId), Ledger(playerId), LegacyLedger(playerId), Scores(playerId), VendorOrders(playerId), HarmCaseLog(playerId)];

    /// <summary>A rate limit's counter for one subject (an address, a player), expiring with its window (<see cref="StoreRateLimiter"/>).</summary>
    public RedisKey RateLimit(string limit, string subject) => $"{Prefix}rl:{limit}:{{{subject}}}";

    /// <summary>A single-use player token (sign-in link) that was used, by its <c>jti</c>, kept until the token expires.</summary>
    public RedisKey UsedPlayerToken(string tokenId) => $"{Prefix}lobby:used-token:{{{tokenId}}}";

    /// <summary>
    /// One part of an event source's reconciliation (Ingestion/Reconciliation/reconcile.lua): every part of a source
    /// shares the source as hash tag, so one script keeps them on Redis Cluster.
    /// </summary>
    public RedisKey Reconciliation(string source, string part) => $"{Prefix}recon:{{{source}}}:{part}";

    /// <summary>Set of the event sources that have reconciliation state.</summary>
    public RedisKey ReconciliationSources => $"{Prefix}recon:sources";

    /// <summary>One hour of an event source's traffic (minute counters, lag histogram), expiring after the days <c>/v1/feeds</c> compares with.</summary>
    public RedisKey FeedHour(string source, long hour) => $"{Prefix}feeds:{{{source}}}:h:{hour}";

    /// <summary>An event source's first and last arrival (unix ms).</summary>
    public RedisKey FeedMeta(string source) => $"{Prefix}feeds:{{{source}}}:meta";

    /// <summary>Set of the event sources seen.</summary>
    public RedisKey FeedSources => $"{Prefix}feeds:sources";

    /// <summary>One hour of a payment provider's (PSP's) deposit verdicts: attempts and declines by minute, and the hour's totals.</summary>
    public RedisKey PaymentHour(string provider, long hour) => $"{Prefix}psp:{{{provider}}}:h:{hour}";

    /// <summary>One UTC day of a payment provider's deposit verdicts (attempts, declines): its usual decline share.</summary>
    public RedisKey PaymentDay(string provider, long day) => $"{Prefix}psp:{{{provider}}}:d:{day}";

    /// <summary>Set of the payment providers seen in deposits.</summary>
    public RedisKey PaymentProviders => $"{Prefix}psp:providers";

    /// <summary>In-product alerts whose condition holds (alert id -> unix ms it was first seen holding), for their <c>for</c>.</summary>
    public RedisKey OpsAlertsPending => $"{Prefix}{{ops}}:alerts:pending";

    /// <summary>In-product operations alerts now firing (alert id -> JSON), sharing the tag <c>{ops}</c> with <see cref="OpsAlertEvents"/>.</summary>
    public RedisKey OpsAlerts => $"{Prefix}{{ops}}:alerts";

    /// <summary>List of <c>ops.alert.fired</c> / <c>ops.alert.resolved</c> events (JSON, newest first) Intelligence relays to webhooks.</summary>
    public RedisKey OpsAlertEvents => $"{Prefix}{{ops}}:alerts:events";

    /// <summary>Set of all known player ids.</summary>
    public RedisKey Players => $"{Prefix}players";

    /// <summary>Open safer-gambling cases: player id → the harm-risk probability that opened or last raised the case.</summary>
    public RedisKey HarmCases => $"{Prefix}harm:cases";

    /// <summary>Outcomes the safer-gambling team recorded (player id → "outcome|unix ms"): labels for a trained harm model.</summary>
    public RedisKey HarmLabels => $"{Prefix}harm:labels";

    /// <summary>A player's safer-gambling case log: notes and outcomes, oldest first (JSON entries).</summary>
    public RedisKey HarmCaseLog(string playerId) => $"{Prefix}hc:{{{playerId}}}";

    /// <summary>
    /// What the one-command demo (tests/Simulator) loaded into this store: a hash of <c>history</c> ("players seed days")
    /// and <c>examples</c> (when the example segments were seeded). Absent everywhere but in a demo's store.
    /// </summary>
    public RedisKey Demo => $"{Prefix}demo";

    /// <summary>Game catalogue: hash of game id to the game's JSON.</summary>
    public RedisKey Catalog => $"{Prefix}catalog:games";

    /// <summary>Published after games are added or changed (the message is how many); every catalogue cache reloads on it.</summary>
    public RedisChannel CatalogChanged => RedisChannel.Literal($"{Prefix}catalog:changed");

    /// <summary>
    /// Durable change feed: sorted set of player ids waiting to be rescored, scored by when they first changed.
    /// It shares a hash tag with <see cref="RescoreClaimed"/> so the claim script runs on a cluster too.
    /// </summary>
    public RedisKey RescorePending => $"{Prefix}{{rescore}}:pending";

    /// <summary>Before the recommender joined the model registry: its model by version (read once, to carry it over, then removed).</summary>
    public RedisKey LegacyRecommenderModel(string version) => $"{Prefix}model:recs:{version}";

    /// <summary>Before the recommender joined the model registry: the version it served (read once, to carry it over, then removed).</summary>
    public RedisKey LegacyRecommenderModelCurrent => $"{Prefix}model:recs:current";

    /// <summary>Held by the instance that runs a scheduled retrain, so several instances train once.</summary>
    public RedisKey RecommenderTrainingLock => $"{Prefix}model:recs:lock";

    /// <summary>Distinct players per game in one UTC hour (hours since 1970), for the trending list.</summary>
    public RedisKey TrendingHour(long hour) => $"{Prefix}recs:trend:{{{hour}}}";

    /// <summary>The (player, game) pairs already counted in <see cref="TrendingHour"/>; same hash tag, so one script updates both.</summary>
    public RedisKey TrendingSeen(long hour) => $"{Prefix}recs:trend:seen:{{{hour}}}";

    /// <summary>Low-latency notification of a changed profile; the message is <see cref="ProfileChange"/>.</summary>
    public RedisChannel ProfileChanged => RedisChannel.Literal($"{Prefix}profiles:changed");

    /// <summary>Players claimed from <see cref="RescorePending"/> by a rescoring worker, scored by the claim's lease expiry.</summary>
    public RedisKey RescoreClaimed => $"{Prefix}{{rescore}}:claimed";

    /// <summary>Published after a player's scores are stored; the message is <c>playerId|scoredAtUnixMs</c>.</summary>
    public RedisChannel ScoresChanged => RedisChannel.Literal($"{Prefix}scores:changed");

    /// <summary>
    /// Published when a player enters or leaves a marketer's segment; the message is
    /// <c>playerId|segmentId|entered</c> or <c>playerId|segmentId|exited</c>. The lobby refreshes the player's placements on it.
    /// </summary>
    public RedisChannel SegmentMembershipChanged => RedisChannel.Literal($"{Prefix}segments:membership");

    /// <summary>Published when a lobby placement is created, changed or removed; the message is the placement's segment id.</summary>
    public RedisChannel PlacementsChanged => RedisChannel.Literal($"{Prefix}placements:changed");

    /// <summary>Hash of a model kind's versions: version to its JSON card (metrics, data window, features, status).</summary>
    public RedisKey ModelVersions(string kind) => $"{Prefix}models:{kind}";

    /// <summary>The serialised model of one version.</summary>
    public RedisKey ModelBlob(string kind, string version) => $"{Prefix}models:{kind}:{version}";

    /// <summary>
    /// Hash of model kind to the version every instance serves. It shares the hash tag <c>{models}</c> with
    /// <see cref="ModelPromotions"/>, so a promotion or rollback changes both in one transaction on Redis Cluster too.
    /// </summary>
    public RedisKey ModelsCurrent => $"{Prefix}{{models}}:current";

    /// <summary>List of a kind's promoted versions, newest first, for rollback.</summary>
    public RedisKey ModelPromotions(string kind) => $"{Prefix}{{models}}:promotions:{kind}";

    /// <summary>Hash of model kind to when a version of it was last promoted (Unix ms): the promotion-age gauge and ops alert read it.</summary>
    public RedisKey ModelsPromotedAt => $"{Prefix}{{models}}:promoted-at";

    /// <summary>Before the <c>{models}</c> hash tag: the hash of kind to current version (read once, carried over, then removed).</summary>
    public RedisKey LegacyModelsCurrent => $"{Prefix}models:current";

    /// <summary>Before the <c>{models}</c> hash tag: a kind's promotion history (read once, carried over, then removed).</summary>
    public RedisKey LegacyModelPromotions(string kind) => $"{Prefix}models:{kind}:promotions";

    /// <summary>Published when a kind's current version changes; the message is the kind.</summary>
    public RedisChannel ModelsChanged => RedisChannel.Literal($"{Prefix}models:changed");

    /// <summary>A training job's state (hash), readable by every instance.</summary>
    public RedisKey TrainingJob(string id) => $"{Prefix}models:jobs:{id}";

    /// <summary>Held while an instance rescores every player, so two never sweep at once.</summary>
    public RedisKey SweepLock => $"{Prefix}scores:sweeping";

    /// <summary>The model versions (as one string) every player was last rescored with by a whole sweep.</summary>
    public RedisKey SweptVersions => $"{Prefix}scores:swept";

    /// <summary>Held while a training job runs, so two instances never train at once.</summary>
    public RedisKey TrainingLock => $"{Prefix}models:training";

    // Marketers' segments and lobby placements: every key shares the hash tag {segments}, so one script may change a
    // player's memberships of every segment at once on Redis Cluster too.

    /// <summary>Segment definitions: hash of segment id to the current version's JSON.</summary>
    public RedisKey SegmentDefinitions => $"{Prefix}{{segments}}:definitions";

    /// <summary>Hash of segment id to its current version number, which membership scripts check before they write.</summary>
    public RedisKey SegmentDefinitionVersions => $"{Prefix}{{segments}}:versions";

    /// <summary>Every version of one segment's definition, oldest first (a list of JSON), kept after the segment is deleted.</summary>
    public RedisKey SegmentHistory(string segmentId) => $"{Prefix}{{segments}}:history:{segmentId}";

    /// <summary>Counter that numbers new segments and placements.</summary>
    public RedisKey SegmentSequence => $"{Prefix}{{segments}}:sequence";

    /// <summary>Audit log of segment and placement changes: a list of JSON, newest first, capped.</summary>
    public RedisKey SegmentAudit => $"{Prefix}{{segments}}:audit";

    /// <summary>A segment's members: sorted set of player ids, all with score 0 so pages follow the ids (ZRANGEBYLEX).</summary>
    public RedisKey SegmentMembers(string segmentId) => $"{Prefix}{{segments}}:members:{segmentId}";

    /// <summary>When each member entered the segment: hash of player id to unix ms.</summary>
    public RedisKey SegmentEnteredAt(string segmentId) => $"{Prefix}{{segments}}:entered:{segmentId}";

    /// <summary>
    /// Each evaluated player's memberships: hash of player id to <c>version|segmentId,segmentId…</c>, where version is the
    /// scoring time (unix ms) of the data the memberships were decided on, so stale data never overwrites fresher.
    /// </summary>
    public RedisKey SegmentsOfPlayers => $"{Prefix}{{segments}}:players";

    /// <summary>
    /// Membership changes not yet announced (lobby channel, webhooks): sorted set of <c>player|segment|+|version</c> (or
    /// <c>-</c> for a leave) by when another instance should announce them if the one that made them has not by then.
    /// </summary>
    public RedisKey SegmentAnnouncements => $"{Prefix}{{segments}}:announce";

    /// <summary>A segment's size over time: sorted set of <c>unixMs|members</c> by unix ms.</summary>
    public RedisKey SegmentSizes(string segmentId) => $"{Prefix}{{segments}}:sizes:{segmentId}";

    /// <summary>Lobby placements: hash of placement id to its JSON.</summary>
    public RedisKey Placements => $"{Prefix}{{segments}}:placements";

    /// <summary>Published when a segment is created, changed or deleted, so every instance reloads its definitions; the message is the segment id.</summary>
    public RedisChannel SegmentsChanged => RedisChannel.Literal($"{Prefix}segments:changed");

    // The segment index, partitioned across Intelligence instances (Intelligence/Segments/IndexPartitions.cs).

    /// <summary>How many partitions the segment index has; every instance must agree.</summary>
    public RedisKey SegmentIndexPartitions => $"{Prefix}segments:index:partitions";

    /// <summary>Live Intelligence instances: sorted set of instance id by when its lease runs out (unix ms).</summary>
    public RedisKey SegmentIndexInstances => $"{Prefix}segments:index:instances";

    /// <summary>Hash of index partition to the instance that has it loaded and answers for it.</summary>
    public RedisKey SegmentIndexServing => $"{Prefix}segments:index:serving";

    /// <summary>Queries every instance answers for its partitions (previews, bulk evaluations, insight).</summary>
    public RedisChannel SegmentIndexRequests => RedisChannel.Literal($"{Prefix}segments:index:requests");

    /// <summary>Where an instance hears the answers to its queries.</summary>
    public RedisChannel SegmentIndexReplies(string instanceId) => RedisChannel.Literal($"{Prefix}segments:index:replies:{instanceId}");

    /// <summary>The lobby's ASP.NET Core data protection key ring (a list), shared by every lobby instance.</summary>
    public RedisKey DataProtectionKeys => $"{Prefix}lobby:dataprotection-keys";

    /// <summary>
    /// Failed console sign-ins of one name (<c>u:name</c>) or from one address (<c>a:address</c>): sorted set of failure
    /// times (unix ms), expiring with the lockout window. Shared by every lobby instance.
    /// </summary>
    public RedisKey ConsoleSignInFailures(string who) => $"{Prefix}console:signin:{who}";

    // CRM webhooks: every key shares the hash tag {webhooks}, so one script may touch them all on Redis Cluster too.

    /// <summary>Webhook subscriptions: hash of webhook id to its JSON (url, events, signing secret, creation time).</summary>
    public RedisKey Webhooks => $"{Prefix}{{webhooks}}:subscriptions";

    /// <summary>Webhook deliveries not yet done (waiting, retrying or dead-lettered): hash of delivery id to its JSON.</summary>
    public RedisKey WebhookDeliveries => $"{Prefix}{{webhooks}}:deliveries";

    /// <summary>Webhook outbox: sorted set of delivery ids by when they are due; a claim leases one by moving it past the lease.</summary>
    public RedisKey WebhookOutbox => $"{Prefix}{{webhooks}}:outbox";

    /// <summary>Webhook deliveries that ran out of attempts: sorted set of delivery ids by when they gave up.</summary>
    public RedisKey WebhookDeadLetters => $"{Prefix}{{webhooks}}:deadletters";

    // Experiments: every key shares the hash tag {experiments}, so one script records an assignment and its counts.

    /// <summary>The key every instance hashes assignments with, when <c>Experiments:AssignmentKey</c> is not configured (created once).</summary>
    public RedisKey ExperimentKey => $"{Prefix}{{experiments}}:key";

    /// <summary>An experiment's assignments: hash of player id to <c>group|assignedAtUnixMs</c> (group t, c or x).</summary>
    public RedisKey ExperimentAssignments(string experimentId) => $"{Prefix}{{experiments}}:assigned:{experimentId}";

    /// <summary>Assigned players per experiment and group: hash of <c>experimentId|group</c> to a count.</summary>
    public RedisKey ExperimentSizes => $"{Prefix}{{experiments}}:sizes";

    /// <summary>Experiments that have assignments: hash of experiment id to its JSON (kind, target, name, start, end).</summary>
    public RedisKey ExperimentRecords => $"{Prefix}{{experiments}}:records";

    /// <summary>Control shares set per experiment (<c>PUT /v1/experiments/{id}</c>): hash of experiment id to the share.</summary>
    public RedisKey ExperimentControlShares => $"{Prefix}{{experiments}}:shares";

    // Affiliates (Ingestion/Profiles/AffiliateDrain.cs): each affiliate's keys share its hash tag, so one script applies a
    // player's outbox to them on Redis Cluster too.

    /// <summary>An affiliate's figures per UTC day: hash of <c>day:metric</c> to a sum (metrics: <see cref="AffiliateDays"/>).</summary>
    public RedisKey AffiliateDayTotals(string affiliateId) => $"{Prefix}aff:{{{affiliateId}}}:days";

    /// <summary>Per player, the number of the last outbox line applied to the affiliate (field = player id), and <c>f:player</c> once its FTD was announced.</summary>
    public RedisKey AffiliateApplied(string affiliateId) => $"{Prefix}aff:{{{affiliateId}}}:applied";

    /// <summary>One UTC day's rows of an affiliate's players for the export: hash of player id to <c>btag\tmetrics</c>, expiring after the retention.</summary>
    public RedisKey AffiliatePlayerDay(string affiliateId, long day) => $"{Prefix}aff:{{{affiliateId}}}:players:{day}";

    /// <summary>Every affiliate with figures: a set of affiliate ids.</summary>
    public RedisKey Affiliates => $"{Prefix}affiliates";

    /// <summary>An affiliate's first-time depositors not yet published as <c>affiliate.ftd</c> webhooks: a list of <c>player\tday\tamountUnits\tbtag</c>.</summary>
    public RedisKey AffiliateFtds(string affiliateId) => $"{Prefix}aff:{{{affiliateId}}}:ftds";

    // Lobby impressions and launches (Ingestion's lean path): per UTC day, one hash tag, so one script de-duplicates and counts.

    /// <summary>Counts of one day's lobby events: hash of <c>kind|experiment|group|list|position</c> to a count.</summary>
    public RedisKey LobbyCounts(long day) => $"{Prefix}{{lobby:{day}}}:counts";

    /// <summary>Fingerprints of one day's lobby events already counted, kept a few days after the day's last event.</summary>
    public RedisKey LobbySeen(long day) => $"{Prefix}{{lobby:{day}}}:seen";
}
