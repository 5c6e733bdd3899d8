using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>A query sent to the instances that serve index partitions; <see cref="Assigned"/> says who answers for which.</summary>
internal sealed record GatherRequest(string Id, string ReplyTo, string Kind, string Payload, Dictionary<string, int[]> Assigned);

/// <summary>An instance's answer for the partitions it was asked for: <see cref="Missing"/> are those it no longer serves.</summary>
internal sealed record GatherReply(string Id, string Instance, int[] Answered, int[] Missing, string? Payload);

/// <summary>Partial answers covering every partition, or the partitions nobody could answer for.</summary>
internal sealed record Gathered(IReadOnlyList<string> Partials, IReadOnlyList<int> Missing)
{
    public bool Complete => Missing.Count == 0;
}

/// <summary>
/// Scatter-gather over the index partitions (<see cref="IndexPartitions"/>): a query is answered for each partition by
/// the instance that serves it, this instance answering its own share in process and the others through the store's
/// pub/sub (<see cref="StoreKeys.SegmentIndexRequests"/>, answers on each asker's own channel). Every partition is
/// answered exactly once, by the instance the store names as serving it when the query starts; partitions handed over
/// meanwhile are asked again of their new server once, and what is still missing is reported, never guessed.
/// </summary>
internal sealed class IndexGather(IConnectionMultiplexer redis, StoreKeys keys, IndexPartitions partitions, ILogger<IndexGather> log)
{
    /// <summary>Answers a query for the given partitions (all loaded here) with a JSON payload.</summary>
    public delegate Task<string> Handler(string payload, PartitionSet partitions, CancellationToken ct);

    private readonly ConcurrentDictionary<string, Handler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, TaskCompletionSource<GatherReply>>> _waiting = new(StringComparer.Ordinal);
    private ChannelMessageQueue? _requests;
    private ChannelMessageQueue? _replies;

    public void Handle(string kind, Handler handler) => _handlers[kind] = handler;

    /// <summary>Listens for queries and answers; call once at start.</summary>
    public async Task ListenAsync(CancellationToken ct)
    {
        var subscriber = redis.GetSubscriber();
        _replies = await subscriber.SubscribeAsync(keys.SegmentIndexReplies(partitions.InstanceId));
        _replies.OnMessage(m =>
        {
            var reply = JsonSerializer.Deserialize(m.Message.ToString(), IndexGatherJsonContext.Default.GatherReply);
            if (reply is not null && _waiting.TryGetValue(reply.Id, out var byInstance) && byInstance.TryGetValue(reply.Instance, out var done)) done.TrySetResult(reply);
        });
        _requests = await subscriber.SubscribeAsync(keys.SegmentIndexRequests);
        // Answered off the subscription's loop: a bulk evaluation takes seconds, and previews must not queue behind it.
        _requests.OnMessage(m => { _ = Task.Run(() => AnswerRemoteAsync(m.Message.ToString(), ct), CancellationToken.None); });
    }

    private async Task AnswerRemoteAsync(string message, CancellationToken ct)
    {
        try
        {
            var request = JsonSerializer.Deserialize(message, IndexGatherJsonContext.Default.GatherRequest);
            if (request is null || request.ReplyTo == partitions.InstanceId || !request.Assigned.TryGetValue(partitions.InstanceId, out var asked)) return;
            var reply = await AnswerAsync(request.Id, request.Kind, request.Payload, asked, ct);
            await redis.GetDatabase().PublishAsync(keys.SegmentIndexReplies(request.ReplyTo), JsonSerializer.Serialize(reply, IndexGatherJsonContext.Default.GatherReply));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is RedisException or TimeoutException or JsonException or InvalidOperationException)
        {
            log.LogWarning(e, "Could not answer an index query");
        }
    }

    public async Task StopAsync()
    {
        if (_requests is not null) await _requests.UnsubscribeAsync();
        if (_replies is not null) await _replies.UnsubscribeAsync();
    }

    /// <summary>
    /// Asks every partition's serving instance for <paramref name="kind"/> over its partitions and returns one partial
    /// answer per answering instance, together covering every partition, or the partitions nobody answered for in time.
    /// </summary>
    public async Task<Gathered> GatherAsync(string kind, string payload, TimeSpan timeout, CancellationToken ct)
    {
        var partials = new List<string>();
        var wanted = PartitionSet.All(partitions.Count);
        for (var round = 1; ; round++)
        {
            var live = await partitions.LiveAsync();
            var serving = await partitions.ServingAsync(live);
            var unserved = wanted.Members.Where(k => !serving.ContainsKey(k)).ToList();
            var assigned = wanted.Members.Where(serving.ContainsKey).GroupBy(k => serving[k])
                .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            var missing = new List<int>(unserved);
            var remote = assigned.Where(a => a.Key != partitions.InstanceId).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
            var id = Guid.NewGuid().ToString("N");
            var replies = new ConcurrentDictionary<string, TaskCompletionSource<GatherReply>>(StringComparer.Ordinal);
            foreach (var instance in remote.Keys) replies[instance] = new TaskCompletionSource<GatherReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[id] = replies;
            try
            {
                if (remote.Count > 0)
                {
                    var request = new GatherRequest(id, partitions.InstanceId, kind, payload, remote);
                    await redis.GetDatabase().PublishAsync(keys.SegmentIndexRequests, JsonSerializer.Serialize(request, IndexGatherJsonContext.Default.GatherRequest));
                }
                if (assigned.TryGetValue(partitions.InstanceId, out var own))
                {
                    var local = await AnswerAsync(id, kind, payload, own, ct);
                    if (local.Payload is not null) partials.Add(local.Payload);
                    missing.AddRange(local.Missing);
                }
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(timeout);
                foreach (var (instance, done) in replies)
                {
                    try
                    {
                        var reply = await done.Task.WaitAsync(limit.Token);
                        if (reply.Payload is not null) partials.Add(reply.Payload);
                        missing.AddRange(reply.Missing);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        log.LogWarning("Index instance {Instance} did not answer a {Kind} query within {Timeout}", instance, kind, timeout);
                        missing.AddRange(remote[instance]);
                    }
                }
            }
            finally
            {
                _waiting.TryRemove(id, out _);
            }
            // Partitions handed over between reading who serves them and asking: ask their new server once more.
            if (missing.Count == 0 || round == 2) return new Gathered(partials, [.. missing.Order()]);
            wanted = PartitionSet.Of(partitions.Count, missing);
        }
    }

    private async Task<GatherReply> AnswerAsync(string id, string kind, string payload, int[] asked, CancellationToken ct)
    {
        var loaded = partitions.Loaded;
        var mine = PartitionSet.Of(partitions.Count, asked.Where(loaded.Contains));
        var missing = asked.Where(k => !loaded.Contains(k)).ToArray();
        if (mine.IsEmpty || !_handlers.TryGetValue(kind, out var handler)) return new GatherReply(id, partitions.InstanceId, [], asked, null);
        var answer = await handler(payload, mine, ct);
        return new GatherReply(id, partitions.InstanceId, [.. mine.Members], missing, answer);
    }
}

/// <summary>A preview asked of the instances: the rule as sent, and the moment relative dates resolve against.</summary>
internal sealed record PreviewQuery(SegmentRule Rule, string Purpose, string? Channel, int SampleSize, long NowMs);

/// <summary>One instance's part of a preview.</summary>
internal sealed record PreviewPartial(long Count, long[] Excluded, long Evaluated, List<SegmentMember> Sample);

/// <summary>Evaluate a saved segment over the partitions and store the changes.</summary>
internal sealed record EvaluateQuery(string SegmentId, int Version);

internal sealed record EvaluatePartial(int Entered, int Exited);

/// <summary>Score distributions over the partitions, as sums that add up across instances.</summary>
internal sealed record ScoresQuery(int Bins);

internal sealed record DistributionPartial(long Scored, double Sum, long[] Bins, Dictionary<string, long> Bands);

internal sealed record ScoresPartial(long Players, DistributionPartial Churn, DistributionPartial Vip);

internal sealed record AffiliatesQuery(long? RegisteredFromMs, long? RegisteredToMs);

/// <summary>One affiliate's (or, with <see cref="Campaign"/>, one campaign's) sums over the partitions.</summary>
internal sealed record AffiliateSums(string? Affiliate, string? Campaign, bool Total, long Players, long Depositors, double Deposits,
    long Scored, double Vip, long ChurnScored, double Churn, long High, long Lapsed);

internal sealed record AffiliatesPartial(List<AffiliateSums> Groups);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GatherRequest))]
[JsonSerializable(typeof(GatherReply))]
[JsonSerializable(typeof(PreviewQuery))]
[JsonSerializable(typeof(PreviewPartial))]
[JsonSerializable(typeof(EvaluateQuery))]
[JsonSerializable(typeof(EvaluatePartial))]
[JsonSerializable(typeof(ScoresQuery))]
[JsonSerializable(typeof(ScoresPartial))]
[JsonSerializable(typeof(AffiliatesQuery))]
[JsonSerializable(typeof(AffiliatesPartial))]
internal sealed partial class IndexGatherJsonContext : JsonSerializerContext;
