using System.Text.Json;
using System.Text.Json.Serialization;
using Ingestion.Connectors;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Adapters.FastTrack;

/// <summary>
/// Brings a player's profile up to date from the operator's PAM: looks up details, consents and blocks, maps them with
/// <see cref="FastTrackMapper.Enrichment"/> and ingests the events as the feed <c>pam</c>. A look-up that fails is
/// retried with back-off; after <see cref="PamOptions.MaxAttempts"/> the job goes to the dead-letter list.
/// Transient, like the typed <see cref="PamClient"/> it uses: the worker takes one per round.
/// </summary>
public sealed partial class PamConnector(
    PamClient client,
    PamPendingSet pending,
    EventIngestor ingestor,
    DeadLetterStore deadLetters,
    IConnectionMultiplexer redis,
    StoreKeys keys,
    IOptions<PamOptions> options,
    FirstContact contact,
    TimeProvider clock,
    ILogger<PamConnector> logger)
{
    public const string Feed = "pam";

    /// <summary>One look-up of one claimed player: applied and completed, or retried later, or dead-lettered.</summary>
    public async Task EnrichAsync(PamJob job, CancellationToken ct)
    {
        IReadOnlyList<JsonElement> events;
        try
        {
            var details = await client.GetUserDetailsAsync(job.PlayerId, ct);
            var consents = await client.GetUserConsentsAsync(job.PlayerId, ct);
            var blocks = await client.GetUserBlocksAsync(job.PlayerId, ct);
            var restricted = await RestrictedNowAsync(redis, keys, clock, job.PlayerId);
            contact.Answer(nameof(PamClient));
            events = FastTrackMapper.Enrichment(job.PlayerId, job.Trigger, clock.GetUtcNow(), details, consents, blocks, restricted);
        }
        catch (PamUnavailableException e)
        {
            await FailAsync(job, e.Message);
            return;
        }
        catch (Exception e) when (e is not (OperationCanceledException or RedisException))
        {
            // Whatever else goes wrong with one player counts as a failed attempt, so it ends on the dead-letter list, not in a loop.
            LogUnexpected(logger, job.PlayerId, e);
            await FailAsync(job, $"{e.GetType().Name}: {e.Message}");
            return;
        }
        if (events.Count > 0)
        {
            // Events the pipeline refuses are dead-lettered by it with their reason; the look-up itself is done.
            var result = await ingestor.IngestFromFeedAsync(Feed, events);
            LogEnriched(logger, job.PlayerId, result.Accepted, result.Duplicates, result.Rejected.Count);
        }
        await pending.CompleteAsync(job);
    }

    private async Task FailAsync(PamJob job, string error)
    {
        var attempts = job.Attempts + 1;
        var o = options.Value;
        if (attempts >= o.MaxAttempts)
        {
            LogGivenUp(logger, job.PlayerId, attempts, error);
            var payload = JsonSerializer.Serialize(new PamDeadLetter(job.PlayerId, job.Trigger, error), PamJsonContext.Default.PamDeadLetter);
            // Listed before the job is dropped: a crash between the two retries the job rather than losing it.
            await deadLetters.AddAsync(Feed, $"PAM look-up of player {job.PlayerId} failed {attempts} times; last: {error}", payload, attempts);
            await pending.DropAsync(job);
            return;
        }
        var backoff = TimeSpan.FromTicks(Math.Min(o.MaxBackoff.Ticks, (long)(o.Backoff.Ticks * Math.Pow(2, attempts - 1))));
        // Quiet until the PAM first answered: at start-up it is often simply not up yet.
        LogRetry(logger, contact.FailureLevel(nameof(PamClient)), job.PlayerId, attempts, backoff, error);
        await pending.RetryAsync(job, attempts, backoff);
    }

    /// <summary>Whether the profile holds a block or self-exclusion now (so that "no blocks" means something to lift).</summary>
    internal static async Task<bool> RestrictedNowAsync(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, string playerId)
    {
        var profile = await new ProfileReader(redis, keys, clock).ReadAsync(playerId, _ => null);
        return profile is { Rg: var rg } && (rg.Blocked || rg.SelfExcludedUntil > clock.GetUtcNow());
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "PAM look-up of {PlayerId}: {Accepted} accepted, {Duplicates} duplicates, {Rejected} rejected")]
    private static partial void LogEnriched(ILogger logger, string playerId, int accepted, int duplicates, int rejected);

    [LoggerMessage(Message = "PAM look-up of {PlayerId} failed (attempt {Attempts}); retrying in {Backoff}: {Error}")]
    private static partial void LogRetry(ILogger logger, LogLevel level, string playerId, int attempts, TimeSpan backoff, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "PAM look-up of {PlayerId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string playerId, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "PAM look-up of {PlayerId} failed {Attempts} times; moved to the dead-letter list: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string playerId, int attempts, string error);
}

/// <summary>Wiring of the PAM connector: options, pending set, worker and the resilient typed client.</summary>
public static class PamConnectorExtensions
{
    public static IHostApplicationBuilder AddPamConnector(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PamOptions>().BindConfiguration(PamOptions.Section).ValidateDataAnnotations()
            .Validate(o => !o.Enabled || PamOptions.IsValidBaseUrl(o.BaseUrl),
                "Pam:BaseUrl must be an absolute http or https URL (the operator's PAM) when Pam:Enabled is true")
            .Validate(o => o.SamplingDuration >= 2 * o.Timeout, "Pam:SamplingDuration must be at least twice Pam:Timeout")
            .Validate(o => o.Lease > 3 * o.TotalRequestTimeout,
                "Pam:Lease must be longer than three look-ups with their retries (3 x Pam:Timeout x (Pam:Retries + 1) and back-off)")
            .ValidateOnStart();
        builder.Services.AddSingleton<PamPendingSet>();
        builder.Services.AddFirstContact(nameof(PamClient));
        builder.Services.AddTransient<PamConnector>();
        builder.Services.AddHostedService<PamEnrichmentWorker>();

        builder.Services.AddHttpClient<PamClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<PamOptions>>().Value;
                if (PamOptions.IsValidBaseUrl(o.BaseUrl))
                {
                    // A trailing slash keeps the base URL's path when the relative "userdetails/{id}" is resolved.
                    http.BaseAddress = new Uri(o.BaseUrl!.EndsWith('/') ? o.BaseUrl : o.BaseUrl + "/");
                }
                if (!string.IsNullOrEmpty(o.ApiKey)) http.DefaultRequestHeaders.Add(o.ApiKeyHeader, o.ApiKey);
                // The resilience pipeline owns time limits; HttpClient's own 100 s would only get in the way.
                http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            })
            .AddStandardResilienceHandler()
            .Configure((r, sp) =>
            {
                var o = sp.GetRequiredService<IOptions<PamOptions>>().Value;
                r.AttemptTimeout.Timeout = o.Timeout;
                r.TotalRequestTimeout.Timeout = o.TotalRequestTimeout;
                r.Retry.MaxRetryAttempts = Math.Max(1, o.Retries);
                r.Retry.Delay = o.RetryDelay;
                if (o.Retries == 0) r.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
                r.CircuitBreaker.FailureRatio = o.FailureRatio;
                r.CircuitBreaker.MinimumThroughput = o.MinimumThroughput;
                r.CircuitBreaker.SamplingDuration = o.SamplingDuration;
                r.CircuitBreaker.BreakDuration = o.BreakDuration;
            });
        return builder;
    }
}

/// <summary>What a dead-lettered look-up keeps: enough to ask for it again (re-enqueue the player).</summary>
public sealed record PamDeadLetter(string PlayerId, DateTimeOffset Trigger, string LastError);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PamDeadLetter))]
internal sealed partial class PamJsonContext : JsonSerializerContext;
