using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace TestSupport;

/// <summary>The services of the product, as built dlls a test can run as child processes.</summary>
public static class Services
{
    public const string Ingestion = "Ingestion";
    public const string Intelligence = "Intelligence";
    public const string Lobby = "Lobby.Blazor";
}

/// <summary>
/// A built service (<see cref="Services"/>: its dll in its own bin folder of this configuration) as a child process on a
/// free loopback port, configured through environment variables exactly as an operator would. A separate process can be
/// killed as a crash would (no shutdown, requests in flight get no answer), and keeps a load generator's allocations
/// and threads out of the service's GC and thread pool. The project running it must reference the service's project,
/// so that it is built.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly List<string> _output = [];
    private StreamWriter? _log;

    private ServiceProcess(string name, Process process, Uri address, StreamWriter? log)
    {
        Name = name;
        _process = process;
        Address = address;
        _log = log;
    }

    public string Name { get; }

    public Uri Address { get; }

    public Process Process => _process;

    /// <summary>The scrape token every started service accepts on <c>/metrics</c>.</summary>
    public const string MetricsToken = "test-scrape-token";

    /// <summary>The <c>Webhooks:SecretsKey</c> (32 bytes, base64) of every started service.</summary>
    public const string WebhookSecretsKey = "dGVzdC13ZWJob29rLXNlY3JldHMta2V5LTMyLWJ5dGU=";

    /// <summary>A service's Prometheus text, read as a scraper does (with the bearer token).</summary>
    public static async Task<string> ScrapeMetricsAsync(HttpClient client, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MetricsToken);
        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Whether it has not exited (nor been killed).</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The service on the store <paramref name="redis"/> with one API key of <paramref name="scopes"/>; <paramref name="settings"/> win.</summary>
    public static Task<ServiceProcess> StartAsync(string service, string redis, string apiKey, string scopes, IReadOnlyDictionary<string, string> settings,
        CancellationToken ct = default) =>
        StartAsync(service, redis, apiKey, scopes, settings, null, ct);

    /// <param name="logFile">A file that also gets every line the service prints; null: none.</param>
    public static Task<ServiceProcess> StartAsync(string service, string redis, string apiKey, string scopes, IReadOnlyDictionary<string, string> settings,
        string? logFile, CancellationToken ct = default)
    {
        var all = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis,
            ["ApiKeys__0__Name"] = "benchmark",
            ["ApiKeys__0__Key"] = apiKey,
            ["ApiKeys__0__Scopes"] = scopes,
        };
        foreach (var (k, v) in settings) all[k] = v;
        return StartAsync(service, all, null, logFile, ct);
    }

    /// <summary>Ingestion with one API key that may write events (<c>events:write events:rg</c>); <paramref name="settings"/> win.</summary>
    public static Task<ServiceProcess> StartIngestionAsync(string redis, string apiKey, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default) =>
        StartAsync(Services.Ingestion, redis, apiKey, "events:write events:rg", settings, ct);

    /// <param name="settings">Environment variables, e.g. <c>ConnectionStrings__Redis</c>, <c>Store__KeyPrefix</c>; these win over the defaults.</param>
    public static Task<ServiceProcess> StartAsync(string service, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default) =>
        StartAsync(service, settings, null, null, ct);

    /// <param name="address">Where it listens; null: a free port. A service started again after a crash comes back on its address.</param>
    public static Task<ServiceProcess> StartAsync(string service, IReadOnlyDictionary<string, string> settings, Uri? address, CancellationToken ct = default) =>
        StartAsync(service, settings, address, null, ct);

    /// <param name="logFile">A file that also gets every line the service prints (a benchmark's, to read when a figure looks wrong); null: none.</param>
    public static async Task<ServiceProcess> StartAsync(string service, IReadOnlyDictionary<string, string> settings, Uri? address, string? logFile,
        CancellationToken ct = default)
    {
        var directory = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == service + "Directory").Value!;
        var dll = Path.GetFullPath(Path.Combine(directory, service + ".dll"));
        if (!File.Exists(dll)) throw new FileNotFoundException($"build {service} first: {dll} is missing", dll);

        address ??= new Uri($"http://127.0.0.1:{FreePort.Get().ToString(CultureInfo.InvariantCulture)}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var env = info.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Urls"] = address.ToString();
        env["EmbeddedStore__Enabled"] = "false";
        env["DEMO"] = "0";
        env["Logging__LogLevel__Default"] = "Warning";
        // Production keeps /metrics for the scraper's token (read it with ScrapeMetricsAsync).
        env["Metrics__Token"] = MetricsToken;
        // Production encrypts webhook secrets in the store and will not start without the key.
        env["Webhooks__SecretsKey"] = WebhookSecretsKey;
        foreach (var (k, v) in settings) env[k] = v;

        var log = logFile is null ? null : new StreamWriter(logFile) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        }
        catch
        {
            log?.Dispose();
            throw;
        }
        var child = new ServiceProcess(service, process, address, log);
        process.OutputDataReceived += (_, e) => child.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => child.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool ready;
        try
        {
            ready = await child.WaitUntilReadyAsync(ReadyTimeout, ct);
        }
        catch
        {
            child.Dispose();
            throw;
        }
        if (ready) return child;
        child.Dispose();
        throw new InvalidOperationException($"{service} did not become ready at {address}. Its output:\n{child.Output}");
    }

    /// <summary>
    /// Polls <c>/health/ready</c> until it answers 200 (true), the process exits or <paramref name="within"/> has passed (false):
    /// after the start, or after its store came back.
    /// </summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan within, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < within && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
        return false;
    }

    /// <summary>Kills the process at once, as a crash would: requests in flight get no answer.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <summary>The last lines the service printed.</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(50));
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        _process.Dispose();
        lock (_output)
        {
            // Under the lock: a line still arriving from the dead process must not meet a closed writer.
            _log?.Dispose();
            _log = null;
        }
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _log?.WriteLine(line);
            _output.Add(line);
            if (_output.Count > 500) _output.RemoveRange(0, 250);
        }
    }
}
