using Shared.Contracts;
using System.Text.Json;
using System.Text.Json.Serialization;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Models;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(List<ModelCard>))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;

/// <summary>
/// Model versions kept in the store, so every Intelligence instance serves the same one: a card per version, the
/// serialised model, the current version per kind, and the promotion history that rollback walks back. A change of
/// the current version is published on <see cref="StoreKeys.ModelsChanged"/>; instances reload without restarting.
/// </summary>
public sealed class ModelRegistry(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private IDatabase Db => redis.GetDatabase();
    private Task? _carriedOver;

    /// <summary>
    /// A store written before the current version and the promotion history shared the <c>{models}</c> hash tag keeps
    /// them under <c>models:current</c> and <c>models:{kind}:promotions</c>: they are copied to the new keys (what the
    /// new keys already hold wins) and the old ones removed, once per process, before the registry answers. Without
    /// this an upgrade would find no current model and score by the rules until the next promotion.
    /// </summary>
    private Task CarriedOver
    {
        get
        {
            // A store that failed mid-way is tried again on the next call (every step is safe to repeat).
            var t = _carriedOver;
            if (t is null || t.IsFaulted || t.IsCanceled) _carriedOver = t = CarryOverAsync();
            return t;
        }
    }

    private async Task CarryOverAsync()
    {
        var db = Db;
        var old = await db.HashGetAllAsync(keys.LegacyModelsCurrent);
        if (old.Length == 0) return;
        foreach (var kind in ModelKinds.Trainable)
        {
            var history = await db.ListRangeAsync(keys.LegacyModelPromotions(kind), 0, -1);
            if (history.Length > 0 && await db.ListLengthAsync(keys.ModelPromotions(kind)) == 0)
                await db.ListRightPushAsync(keys.ModelPromotions(kind), history);
            await db.KeyDeleteAsync(keys.LegacyModelPromotions(kind));
        }
        foreach (var entry in old) await db.HashSetAsync(keys.ModelsCurrent, entry.Name, entry.Value, When.NotExists);
        await db.KeyDeleteAsync(keys.LegacyModelsCurrent);
    }

    public async Task SaveAsync(ModelCard card, byte[] model)
    {
        var batch = Db.CreateBatch();
        var a = batch.StringSetAsync(keys.ModelBlob(card.Kind, card.Version), model);
        var b = batch.HashSetAsync(keys.ModelVersions(card.Kind), card.Version, Serialize(card));
        batch.Execute();
        await Task.WhenAll(a, b);
    }

    public async Task UpdateAsync(ModelCard card) => await Db.HashSetAsync(keys.ModelVersions(card.Kind), card.Version, Serialize(card));

    public async Task<string?> CurrentVersionAsync(string kind)
    {
        await CarriedOver;
        return await Db.HashGetAsync(keys.ModelsCurrent, kind) is { HasValue: true } v ? v.ToString() : null;
    }

    public async Task<ModelCard?> CardAsync(string kind, string version) =>
        await Db.HashGetAsync(keys.ModelVersions(kind), version) is { HasValue: true } v ? Deserialize(v!) : null;

    public async Task<byte[]?> ModelAsync(string kind, string version) => await Db.StringGetAsync(keys.ModelBlob(kind, version)) is { HasValue: true } v ? (byte[])v! : null;

    /// <summary>All versions of a kind, newest first.</summary>
    public async Task<List<ModelCard>> CardsAsync(string kind) =>
        [.. (await Db.HashGetAllAsync(keys.ModelVersions(kind))).Select(e => Deserialize(e.Value!)).OrderByDescending(c => c.TrainedAt).ThenByDescending(c => c.Version, StringComparer.Ordinal)];

    /// <summary>
    /// Deletes all but the newest <paramref name="keep"/> rejected versions of a kind, cards and serialised models:
    /// a casino whose candidates keep losing to the rule does not pile up a model a day. Promoted and retired versions
    /// stay (rollback walks back through them). Returns how many were deleted.
    /// </summary>
    public async Task<int> PruneRejectedAsync(string kind, int keep)
    {
        var stale = (await CardsAsync(kind)).Where(c => c.Status == ModelStatus.Rejected).Skip(keep).ToList();
        if (stale.Count == 0) return 0;
        var batch = Db.CreateBatch();
        var deletes = stale.SelectMany(c => new Task[] { batch.HashDeleteAsync(keys.ModelVersions(kind), c.Version), batch.KeyDeleteAsync(keys.ModelBlob(kind, c.Version)) }).ToList();
        batch.Execute();
        await Task.WhenAll(deletes);
        return stale.Count;
    }

    /// <summary>Makes <paramref name="version"/> the one served, remembers it for rollback, and tells every instance.</summary>
    public async Task PromoteAsync(string kind, string version)
    {
        await CarriedOver;
        var tx = Db.CreateTransaction();
        _ = tx.HashSetAsync(keys.ModelsCurrent, kind, version);
        _ = tx.ListLeftPushAsync(keys.ModelPromotions(kind), version);
        _ = tx.ListTrimAsync(keys.ModelPromotions(kind), 0, 99);
        _ = tx.HashSetAsync(keys.ModelsPromotedAt, kind, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        await tx.ExecuteAsync();
        await Db.PublishAsync(keys.ModelsChanged, kind);
    }

    /// <summary>
    /// When each kind served now was last promoted (a rollback is no promotion). A kind promoted before promotions were
    /// timed counts from its served version's training; a kind never promoted is absent.
    /// </summary>
    public async Task<Dictionary<string, DateTimeOffset>> PromotedAtAsync()
    {
        await CarriedOver;
        var db = Db;
        var promoted = (await db.HashGetAllAsync(keys.ModelsPromotedAt))
            .ToDictionary(e => e.Name.ToString(), e => DateTimeOffset.FromUnixTimeMilliseconds((long)e.Value), StringComparer.Ordinal);
        foreach (var e in await db.HashGetAllAsync(keys.ModelsCurrent))
        {
            var kind = e.Name.ToString();
            if (!promoted.ContainsKey(kind) && await CardAsync(kind, e.Value.ToString()) is { } card) promoted[kind] = card.TrainedAt;
        }
        return promoted;
    }

    /// <summary>
    /// Serves the version promoted before the current one again, and marks the current one retired. Returns the
    /// version now served, or null when there is nothing to roll back to.
    /// </summary>
    public async Task<(string From, string To)?> RollbackAsync(string kind)
    {
        await CarriedOver;
        var history = (await Db.ListRangeAsync(keys.ModelPromotions(kind), 0, -1)).Select(v => v.ToString()).ToList();
        var current = await CurrentVersionAsync(kind);
        if (current is null || history.Count < 2) return null;
        var previous = history.Skip(1).FirstOrDefault(v => v != current);
        if (previous is null) return null;
        var tx = Db.CreateTransaction();
        tx.AddCondition(Condition.HashEqual(keys.ModelsCurrent, kind, current));
        _ = tx.HashSetAsync(keys.ModelsCurrent, kind, previous);
        _ = tx.ListLeftPopAsync(keys.ModelPromotions(kind));
        if (!await tx.ExecuteAsync()) throw new InvalidOperationException($"the current {kind} model changed during the rollback; try again");
        if (await CardAsync(kind, current) is { } card) await UpdateAsync(card with { Status = ModelStatus.Retired, Decision = card.Decision + $"; rolled back to {previous}" });
        await Db.PublishAsync(keys.ModelsChanged, kind);
        return (current, previous);
    }

    private static string Serialize(ModelCard card) => JsonSerializer.Serialize(card, ModelJsonContext.Default.ModelCard);

    private static ModelCard Deserialize(string json) => JsonSerializer.Deserialize(json, ModelJsonContext.Default.ModelCard)!;
}
