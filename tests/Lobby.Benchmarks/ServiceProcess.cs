using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Lobby.Benchmarks;

/// <summary>
/// A built service (its dll in its own bin folder of this configuration) as a child process on a free loopback port,
/// configured through environment variables as an operator would. A separate process keeps the load generator's
/// threads and allocations out of the service, and lets the benchmark read the service's own memory.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <param name="directoryKey">The assembly metadata naming the service's bin folder (see the project file).</param>
    public static async Task<ServiceProcess> StartAsync(string name, string directoryKey, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var directory = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == directoryKey).Value!;
        var dll = Path.GetFullPath(Path.Combine(directory, name + ".dll"));
        if (!File.Exists(dll)) throw new FileNotFoundException($"build {name} first: {dll} is missing", dll);
        var address = new Uri($"http://127.0.0.1:{TestSupport.FreePort.Get().ToString(CultureInfo.InvariantCulture)}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Webhooks__SecretsKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        info.Environment["Metrics__Anonymous"] = "true";
        info.Environment["Urls"] = address.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        // Everything the service logs (warnings and up) goes to a file, to read when a figure looks wrong.
        var log = new StreamWriter(Path.Combine(Path.GetTempPath(), $"lobby-bench-{name}-{process.Id}.log")) { AutoFlush = true };
        System.Console.WriteLine($"{name} logs to {((FileStream)log.BaseStream).Name}");
        DataReceivedEventHandler write = (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{name} did not become ready at {address}");
            }
            await Task.Delay(200, ct);
        }
        return new ServiceProcess(process, address);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
