namespace TestSupport;

/// <summary>The built Ingestion.dll as a child process (<see cref="ServiceProcess"/>) with one API key that may write events.</summary>
public static class IngestionProcess
{
    /// <param name="settings">More environment variables, e.g. <c>Store__KeyPrefix</c>.</param>
    public static Task<ServiceProcess> StartAsync(string redis, string apiKey, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default)
    {
        var all = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis,
            ["ApiKeys__0__Name"] = "benchmark",
            ["ApiKeys__0__Key"] = apiKey,
            ["ApiKeys__0__Scopes"] = "events:write",
        };
        foreach (var (k, v) in settings) all[k] = v;
        return ServiceProcess.StartAsync(Services.Ingestion, all, ct);
    }
}
