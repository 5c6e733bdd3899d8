using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.Telemetry;

namespace Ingestion.Connectors;

/// <summary>
/// Whether each pull connector (the catalogue feed, the PAM) has had an answer from its upstream since start-up. Until
/// it has, a failure is start-up order, not an incident (the operator's side often comes up after us): the connector
/// logs it at Information and the resilience pipeline of its HTTP client at Debug, and it retries as always. From the
/// first answer on, a failure is a warning, the pipeline's included (a pull retried at the next interval is not an error).
/// </summary>
public sealed class FirstContact(IEnumerable<FirstContactClient> clients)
{
    private readonly ConcurrentDictionary<string, bool> _answered = new(StringComparer.Ordinal);

    /// <summary>The clients whose pipelines are kept quiet until their first answer: each connector names its own.</summary>
    public IReadOnlyList<string> Clients { get; } = [.. clients.Select(c => c.Name).Distinct(StringComparer.Ordinal)];

    /// <param name="client">The typed HTTP client's name, which also names its resilience pipeline (<c>{client}-standard</c>).</param>
    public bool Answered(string client) => _answered.ContainsKey(client);

    public void Answer(string client) => _answered.TryAdd(client, true);

    public LogLevel FailureLevel(string client) => Answered(client) ? LogLevel.Warning : LogLevel.Information;

    /// <summary>The severity of a resilience event of <paramref name="pipeline"/>; <paramref name="declared"/> for pipelines of other clients.</summary>
    public ResilienceEventSeverity Severity(string? pipeline, ResilienceEventSeverity declared)
    {
        var client = pipeline is null ? null : Clients.FirstOrDefault(c => pipeline.StartsWith(c + "-", StringComparison.Ordinal));
        if (client is null) return declared;
        if (!Answered(client)) return declared == ResilienceEventSeverity.None ? declared : ResilienceEventSeverity.Debug;
        return declared >= ResilienceEventSeverity.Error ? ResilienceEventSeverity.Warning : declared;
    }
}

/// <summary>A connector's typed HTTP client, named for <see cref="FirstContact"/>.</summary>
public sealed record FirstContactClient(string Name);

public static class FirstContactRegistration
{
    /// <summary>
    /// The one <see cref="FirstContact"/> of the process, Polly's event severities going through it, and
    /// <paramref name="client"/> (a typed HTTP client's name) among the clients it keeps quiet.
    /// </summary>
    public static IServiceCollection AddFirstContact(this IServiceCollection services, string client)
    {
        services.AddSingleton(new FirstContactClient(client));
        services.TryAddSingleton<FirstContact>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TelemetryOptions>, QuietUntilFirstContact>());
        return services;
    }

    private sealed class QuietUntilFirstContact(FirstContact contact) : IConfigureOptions<TelemetryOptions>
    {
        public void Configure(TelemetryOptions options)
        {
            var inner = options.SeverityProvider;
            options.SeverityProvider = args => contact.Severity(args.Source.PipelineName, inner?.Invoke(args) ?? args.Event.Severity);
        }
    }
}
