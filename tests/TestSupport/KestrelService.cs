using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace TestSupport;

/// <summary>
/// A service inside the test process on a real Kestrel port of 127.0.0.1, configured with <paramref name="settings"/>
/// (<c>Section:Key</c>); <see cref="Start"/> returns once it listens. A test reaches its services (<c>Services</c>);
/// for a service to kill as a crash would, see <see cref="ServiceProcess"/>.
/// </summary>
/// <param name="staticWebAssets">Serve the build's static web assets (MudBlazor's CSS/JS, blazor.web.js) outside
/// Development too, where they come from the build's manifest only on request: for a browser.</param>
/// <param name="pickPort">Where ports come from (<see cref="FreePort.Get"/>); a test of the retry hands out taken ones.</param>
public sealed class KestrelService<T>(IDictionary<string, string?> settings, string environment = "Testing", bool staticWebAssets = false,
    Func<int>? pickPort = null)
    : WebApplicationFactory<T> where T : class
{
    /// <summary>Ports <see cref="Start"/> tries before it gives up with the bind error.</summary>
    public const int Attempts = 5;

    /// <summary>
    /// Starts it on a free port; its address. Another process may take the port between <see cref="FreePort.Get"/> and
    /// the bind (it happened in CI, with suites starting servers side by side): then it tries another,
    /// <see cref="Attempts"/> ports in all, and past them throws the last bind error.
    /// </summary>
    public Uri Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                UseKestrel((pickPort ?? FreePort.Get)());
                StartServer();
                return ClientOptions.BaseAddress;
            }
            catch (IOException e) when (attempt < Attempts && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        if (staticWebAssets) builder.UseStaticWebAssets();
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings));
    }
}
