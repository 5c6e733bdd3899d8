using Shared.ServiceDefaults;
using System.Security.Cryptography;
using System.Text.Json;
using Ingestion.Catalog;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Connectors.Catalog;

public enum CatalogPullOutcome
{
    /// <summary>The list changed and the catalogue was brought in line with it.</summary>
    Applied,
    /// <summary>The aggregator answered 304 to our ETag: nothing was read or written.</summary>
    NotModified,
    /// <summary>A 200 with the very body we applied last time (an aggregator without ETags): nothing was written.</summary>
    Unchanged,
    /// <summary>The aggregator or the store failed, or the list was unusable; the catalogue was left as it was.</summary>
    Failed,
}

public sealed record CatalogPullResult(CatalogPullOutcome Outcome, int Added = 0, int Updated = 0, int Disabled = 0, int Invalid = 0, string? Error = null);

/// <summary>
/// Polls the aggregator's game list (section <c>CatalogFeed</c>) so new, changed and withdrawn games reach the lobby
/// without a deploy. Conditional GET with the stored ETag; on a new list, writes only the games that changed, and
/// marks <c>enabled=false</c> (never deletes) the games this feed listed before and no longer does. Games put through
/// <c>PUT /v1/catalog/games</c> and never listed by the feed are not touched. A failing aggregator only costs a pull.
/// </summary>
public sealed partial class CatalogPullConnector(
    IServiceScopeFactory scopes,
    IOptions<CatalogFeedOptions> options,
    IConnectionMultiplexer redis,
    StoreKeys keys,
    CatalogStore store,
    CatalogFeedMetrics metrics,
    FirstContact contact,
    TimeProvider clock,
    ILogger<CatalogPullConnector> logger) : SupervisedService(logger, clock)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The ETag of the last list applied.</summary>
    public RedisKey ETagKey => keys.Prefix + "catalogfeed:etag";

    /// <summary>SHA-256 of the last list applied, for aggregators that send no ETag.</summary>
    public RedisKey BodyHashKey => keys.Prefix + "catalogfeed:sha256";

    /// <summary>Ids the feed listed last time: the games it may withdraw.</summary>
    public RedisKey IdsKey => keys.Prefix + "catalogfeed:ids";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        LogStarted(logger, options.Value.Url, options.Value.Interval);
        using var timer = new PeriodicTimer(options.Value.Interval, Clock);
        try
        {
            do
            {
                await PullOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One pull, never throwing for the aggregator's or the store's failures (only for <paramref name="cancellationToken"/>).</summary>
    public async Task<CatalogPullResult> PullOnceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var result = await PullAsync(cancellationToken);
            contact.Answer(nameof(CatalogFeedClient));
            metrics.Pulled(result.Outcome, Clock.GetUtcNow());
            return result;
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Quiet until the aggregator first answered: at start-up it is often simply not up yet.
            LogFailed(logger, contact.FailureLevel(nameof(CatalogFeedClient)), e, options.Value.Url, e.Message);
            metrics.Pulled(CatalogPullOutcome.Failed, Clock.GetUtcNow());
            return new CatalogPullResult(CatalogPullOutcome.Failed, Error: e.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CatalogPullResult> PullAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var etag = (string?)await db.StringGetAsync(ETagKey);
        CatalogFeedResponse response;
        using (var scope = scopes.CreateScope())
        {
            response = await scope.ServiceProvider.GetRequiredService<CatalogFeedClient>().FetchAsync(etag, cancellationToken);
        }
        if (response.NotModified)
        {
            LogNotModified(logger);
            return new CatalogPullResult(CatalogPullOutcome.NotModified);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(response.Body));
        if (hash == (string?)await db.StringGetAsync(BodyHashKey))
        {
            await RememberAsync(db, response.ETag, hash);
            LogNotModified(logger);
            return new CatalogPullResult(CatalogPullOutcome.Unchanged);
        }

        var o = options.Value;
        var feed = CatalogFeedReader.Read(response.Body, o.ItemsPath, o.Fields);
        if (feed.Errors.Count > 0) LogInvalidItems(logger, feed.Errors.Count, feed.ItemCount, string.Join(" | ", feed.Errors.Take(10)));
        if (feed.Games.Count == 0)
        {
            // Withdrawing every game because of one broken or empty answer would empty the lobby: refuse instead.
            throw new CatalogFeedFormatException(
                $"the list holds no valid game ({feed.ItemCount} items, {feed.Errors.Count} invalid); the catalogue was left as it is");
        }

        var existing = (await db.HashGetAllAsync(keys.Catalog)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var writes = new List<Game>();
        int added = 0, updated = 0, disabled = 0;
        foreach (var game in feed.Games)
        {
            if (!existing.TryGetValue(game.Id, out var stored)) added++;
            else if (stored != JsonSerializer.Serialize(game, ContractsJsonContext.Default.Game)) updated++;
            else continue;
            writes.Add(game);
        }
        foreach (var id in await db.SetMembersAsync(IdsKey))
        {
            if (feed.SeenIds.Contains(id.ToString()) || !existing.TryGetValue(id.ToString(), out var stored)) continue;
            if (JsonSerializer.Deserialize(stored, ContractsJsonContext.Default.Game) is { Enabled: true } gone)
            {
                writes.Add(gone with { Enabled = false });
                disabled++;
            }
        }

        if (writes.Count > 0) await store.UpsertAsync(writes);
        var ids = db.CreateTransaction();
        _ = ids.KeyDeleteAsync(IdsKey);
        _ = ids.SetAddAsync(IdsKey, feed.SeenIds.Select(id => (RedisValue)id).ToArray());
        await ids.ExecuteAsync();
        // Last, so a pull cut short is simply redone in full next time.
        await RememberAsync(db, response.ETag, hash);

        metrics.Games("added", added);
        metrics.Games("updated", updated);
        metrics.Games("disabled", disabled);
        metrics.Games("invalid", feed.Errors.Count);
        LogApplied(logger, feed.ItemCount, added, updated, disabled, feed.Errors.Count);
        return new CatalogPullResult(CatalogPullOutcome.Applied, added, updated, disabled, feed.Errors.Count);
    }

    private async Task RememberAsync(IDatabase db, string? etag, string hash)
    {
        if (string.IsNullOrEmpty(etag)) await db.KeyDeleteAsync(ETagKey);
        else await db.StringSetAsync(ETagKey, etag);
        await db.StringSetAsync(BodyHashKey, hash);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog feed: polling {Url} every {Interval}")]
    private static partial void LogStarted(ILogger logger, string? url, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Catalog feed: the list has not changed")]
    private static partial void LogNotModified(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Catalog feed: pulled {Items} items; {Added} games added, {Updated} updated, {Disabled} withdrawn (enabled=false), {Invalid} invalid")]
    private static partial void LogApplied(ILogger logger, int items, int added, int updated, int disabled, int invalid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog feed: {Invalid} of {Items} items skipped: {Errors}")]
    private static partial void LogInvalidItems(ILogger logger, int invalid, int items, string errors);

    [LoggerMessage(Message = "Catalog feed: pull of {Url} failed; the catalogue is unchanged and the next pull will retry: {Reason}")]
    private static partial void LogFailed(ILogger logger, LogLevel level, Exception exception, string? url, string reason);
}
