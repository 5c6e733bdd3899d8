using System.Diagnostics;
using System.Globalization;
using System.Reflection;
namespace TestSupport;

/// <summary>
/// The built Ingestion.dll as a child process on a free loopback port, configured through environment variables
/// exactly as an operator would. A separate process can be killed mid-request (restart tests), and keeps a load
/// generator's allocations and threads out of the service's GC and thread pool (benchmarks).
/// </summary>
public sealed class IngestionProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private IngestionProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public Process Process => _process;

    /// <summary>Kills the process at once, as a crash would: requests in flight get no answer.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <param name="settings">More environment variables, e.g. <c>Store__KeyPrefix</c>.</param>
    public static async Task<IngestionProcess> StartAsync(string redis, string apiKey, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default)
    {
        var directory = typeof(IngestionProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "IngestionDirectory").Value!;
        var dll = Path.GetFullPath(Path.Combine(directory, "Ingestion.dll"));
        if (!File.Exists(dll)) throw new FileNotFoundException($"build Ingestion first: {dll} is missing", dll);

        var port = FreePort.Get();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
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
        env["ConnectionStrings__Redis"] = redis;
        env["EmbeddedStore__Enabled"] = "false";
        env["DEMO"] = "0";
        env["Logging__LogLevel__Default"] = "Warning";
        env["ApiKeys__0__Name"] = "benchmark";
        env["ApiKeys__0__Key"] = apiKey;
        env["ApiKeys__0__Scopes"] = "events:write";
        foreach (var (k, v) in settings) env[k] = v;

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var child = new IngestionProcess(process, address);
        process.OutputDataReceived += (_, e) => child.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => child.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited) break;
            try
            {
                if ((await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct)).IsSuccessStatusCode) return child;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
        child.Dispose();
        throw new InvalidOperationException($"Ingestion did not become ready at {address}. Its output:\n{child.Output}");
    }

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
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }
}
