using System.Diagnostics;
using System.Globalization;

namespace Intelligence.Benchmarks;

/// <summary>A built service (e.g. Intelligence.dll of this configuration) as a child process on a free loopback port.</summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address) { _process = process; Address = address; }

    public Uri Address { get; }

    public static async Task<ServiceProcess> StartAsync(string name, string redis, string apiKey, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        var port = TestSupport.FreePort.Get();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Urls"] = address.ToString();
        info.Environment["ConnectionStrings__Redis"] = redis;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["ApiKeys__0__Name"] = "benchmark";
        info.Environment["ApiKeys__0__Key"] = apiKey;
        info.Environment["ApiKeys__0__Scopes"] = "scores:read models:admin";
        foreach (var (k, v) in settings) info.Environment[k] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = address };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health/ready", ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            if (process.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"{name} did not become ready");
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
