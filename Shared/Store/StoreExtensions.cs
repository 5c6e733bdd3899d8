using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults;
using StackExchange.Redis;

namespace Shared.Store;

public static class StoreExtensions
{
    /// <summary>
    /// One <see cref="IConnectionMultiplexer"/> for the process, from <c>ConnectionStrings:Redis</c>
    /// (default the embedded store at 127.0.0.1:6380), the key builder, and a readiness check of the store.
    /// </summary>
    public static IHostApplicationBuilder AddRedisStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new StoreKeys(sp.GetRequiredService<IOptions<StoreOptions>>().Value.KeyPrefix));
        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(ConfigurationFor(sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: [Extensions.ReadyTag])
            .AddCheck<StoreMemoryHealthCheck>("store-memory", tags: [Extensions.ReadyTag]);
        builder.Services.AddSingleton<StoreFull>();
        builder.Services.AddExceptionHandler<StoreFaultHandler>();
        return builder;
    }

    public static ConfigurationOptions ConfigurationFor(IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString("Redis");
        var options = ConfigurationOptions.Parse(string.IsNullOrWhiteSpace(cs) ? StoreOptions.DefaultConnectionString : cs);
        // Start even while the store is still coming up; the readiness check reports it until it is there.
        options.AbortOnConnectFail = false;
        options.ConnectRetry = Math.Max(options.ConnectRetry, 5);
        return options;
    }
}

public sealed class StoreHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"store answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("the store does not answer", e);
        }
    }
}
