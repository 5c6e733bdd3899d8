namespace TestSupport;

/// <summary>The built Ingestion.dll as a child process (<see cref="ServiceProcess"/>) with one API key that may write events.</summary>
public static class IngestionProcess
{
    /// <param name="settings">More environment variables, e.g. <c>Store__KeyPrefix</c>.</param>
    public static Task<ServiceProcess> StartAsync(string redis, string apiKey, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default) =>
        ServiceProcess.StartAsync(Services.Ingestion, redis, apiKey, "events:write events:rg", settings, ct);
}
