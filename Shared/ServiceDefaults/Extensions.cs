using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Shared.ServiceDefaults;

/// <summary>What every service gets: telemetry, health endpoints, problem+json errors, structured logs.</summary>
public static class Extensions
{
    public const string ReadyTag = "ready";

    /// <param name="meterNames">The service's own meters, exported next to the framework's.</param>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, params string[] meterNames)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.AddEdge();
        // A body that cannot be bound is answered naming the field (BadRequestHandler), not with a bare 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestHandler>();

        if (!builder.Environment.IsDevelopment())
        {
            // Structured (JSON) logs where machines read them; readable ones on a developer's console.
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }

        var otel = builder.Services.AddOpenTelemetry();
        // Without a resource every service reports itself as `unknown_service:dotnet` when started as `dotnet X.dll`,
        // and no dashboard or alert can tell the three apart. Read when the provider is built (so configuration a host
        // adds late, as tests do, counts).
        var application = builder.Environment.ApplicationName;
        otel.ConfigureResource(r => r.AddDetector(sp => new ServiceIdentityDetector(sp.GetRequiredService<IConfiguration>(), application)));
        otel.WithMetrics(m =>
        {
            m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
            m.AddMeter([.. meterNames, SupervisedService.MeterName]);
            m.AddPrometheusExporter();
        });
        otel.WithTracing(t =>
        {
            t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
             .AddHttpClientInstrumentation()
             .AddSource(meterNames);
        });
        // Export over OTLP only when a collector is configured (standard OTEL_* variables).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithMetrics(m => m.AddOtlpExporter()).WithTracing(t => t.AddOtlpExporter());
        }

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<SupervisedServicesHealthCheck>("background-services", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health/live</c>, <c>/health/ready</c> (checks tagged ready, e.g. the store) and <c>/metrics</c>, and puts
    /// <see cref="EdgeOptions"/>' rules (forwarded headers, who reads metrics and the API's map) in front of everything.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseEdge();
        app.UseRetryAfterOnRefusals();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
