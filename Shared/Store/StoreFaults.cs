using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shared.ServiceDefaults;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// The store at its memory limit (<c>maxmemory</c> with the <c>noeviction</c> policy, the only one that keeps
/// profiles exact): Redis refuses every write with <c>OOM</c>. A script is refused at its first write, so a fold call
/// is applied whole or not at all.
/// </summary>
public sealed class StoreFull
{
    /// <summary>A full store stays full until someone frees memory: senders wait longer than after a blip.</summary>
    public const int RetryAfterSeconds = 30;

    public const string Title = "The store is full";

    public const string Reason = "The store reached its memory limit (maxmemory, policy noeviction) and refuses writes: nothing in this " +
        "request was acknowledged. Free memory or raise maxmemory; resend after Retry-After (what was applied counts once, as duplicates).";

    private readonly Counter<long> _refused;
    private readonly TimeProvider _clock;
    private long _lastRefusedTicks;

    public StoreFull(IMeterFactory meters, TimeProvider clock)
    {
        _clock = clock;
        _refused = meters.Create(SupervisedService.MeterName).CreateCounter<long>("store.full.refusals",
            description: "Requests refused because the store reached its memory limit (maxmemory, noeviction)");
    }

    public static bool Is(Exception e) =>
        e is RedisServerException && e.Message.Contains("OOM command not allowed", StringComparison.Ordinal);

    /// <summary>When a write was last refused for want of memory (null: never).</summary>
    public DateTimeOffset? LastRefused =>
        Interlocked.Read(ref _lastRefusedTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public void Refused(string what)
    {
        Interlocked.Exchange(ref _lastRefusedTicks, _clock.GetUtcNow().UtcTicks);
        _refused.Add(1, new KeyValuePair<string, object?>("what", what));
    }
}

/// <summary>
/// Store faults that reach an endpoint unhandled become answers a sender can act on instead of a bare 500: a full store
/// is 507 with <c>Retry-After: 30</c>, an unreachable or slow one 503 with <c>Retry-After: 1</c>.
/// </summary>
public sealed class StoreFaultHandler(IProblemDetailsService problems, StoreFull full) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        (int Status, string Title, string Detail, int RetryAfter)? answer = exception switch
        {
            _ when StoreFull.Is(exception) => (StatusCodes.Status507InsufficientStorage, StoreFull.Title, StoreFull.Reason, StoreFull.RetryAfterSeconds),
            RedisConnectionException or RedisTimeoutException or TimeoutException => (StatusCodes.Status503ServiceUnavailable, "The store did not answer",
                "The store is unreachable or slow; nothing in this request was acknowledged. Resend after Retry-After.", RetryAfter.DefaultSeconds),
            _ => null,
        };
        if (answer is not { } a) return false;
        if (a.Status == StatusCodes.Status507InsufficientStorage) full.Refused(httpContext.Request.Path);
        httpContext.Response.StatusCode = a.Status;
        httpContext.Response.Headers.RetryAfter = a.RetryAfter.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = a.Status, Title = a.Title, Detail = a.Detail },
        });
    }
}

/// <summary>
/// Readiness says when the store refused a write for want of memory in the last minute, or (on a connection with
/// <c>allowAdmin</c>, which <c>INFO</c> needs) when it is full or nearly so. Degraded, not unhealthy: reads still work, and the instance keeps answering 507 with a reason
/// rather than vanishing from the load balancer.
/// </summary>
public sealed class StoreMemoryHealthCheck(IConnectionMultiplexer redis, StoreFull full, TimeProvider clock) : IHealthCheck
{
    /// <summary>Used memory from this share of <c>maxmemory</c> on is reported before writes are refused.</summary>
    public const double NearlyFull = 0.9;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (full.LastRefused is { } last && clock.GetUtcNow() - last < TimeSpan.FromMinutes(1))
        {
            return HealthCheckResult.Degraded($"the store refused a write for want of memory at {last:O}: {StoreFull.Reason}");
        }
        try
        {
            foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                var memory = (await server.InfoAsync("memory")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                if (!long.TryParse(memory.GetValueOrDefault("maxmemory"), CultureInfo.InvariantCulture, out var max) || max <= 0) continue;
                _ = long.TryParse(memory.GetValueOrDefault("used_memory"), CultureInfo.InvariantCulture, out var used);
                var policy = memory.GetValueOrDefault("maxmemory_policy") ?? "?";
                if (used >= max * NearlyFull)
                {
                    return HealthCheckResult.Degraded(
                        $"the store {server.EndPoint} uses {used:N0} of its {max:N0} bytes (maxmemory, policy {policy}); at the limit writes are refused with 507");
                }
            }
            return HealthCheckResult.Healthy("the store has room");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The store check reports an unreachable store; this one only speaks of memory.
            return HealthCheckResult.Healthy("memory not known: the store does not answer");
        }
        catch (RedisCommandException)
        {
            // INFO is an admin command to the client: without allowAdmin only refusals (above) tell of a full store.
            return HealthCheckResult.Healthy("memory not known: INFO needs allowAdmin on the connection; a refused write is reported");
        }
    }
}
