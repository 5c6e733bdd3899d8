using System.Reflection;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Resources;

namespace Shared.ServiceDefaults;

/// <summary>
/// The telemetry resource naming the service: <c>service.name</c> (OTEL_SERVICE_NAME, else the application's, e.g.
/// <c>Ingestion</c>), <c>service.version</c> (the entry assembly's informational version) and
/// <c>service.instance.id</c> (OTEL_SERVICE_INSTANCE_ID, else host name and process id, which tell replicas apart and
/// stay readable in a label).
/// </summary>
public sealed class ServiceIdentityDetector(IConfiguration configuration, string applicationName) : IResourceDetector
{
    public Resource Detect()
    {
        var name = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : applicationName;
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == applicationName) ?? Assembly.GetEntryAssembly();
        var version = assembly?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly?.GetName().Version?.ToString() ?? "0.0.0";
        var instance = configuration["OTEL_SERVICE_INSTANCE_ID"] is { Length: > 0 } id ? id : $"{Environment.MachineName}-{Environment.ProcessId}";
        return new Resource(new Dictionary<string, object>
        {
            ["service.name"] = name,
            ["service.version"] = version,
            ["service.instance.id"] = instance,
        });
    }
}
