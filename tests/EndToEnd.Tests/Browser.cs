using Microsoft.Playwright;

namespace EndToEnd.Tests;

/// <summary>Debian's Chromium driven by Playwright; never a downloaded browser.</summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    public static string OutputDirectory
    {
        get
        {
            // test-output/ at the repository root, next to the TRX files test.sh collects.
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Intelligence.sln"))) dir = Path.GetDirectoryName(dir);
            var output = Path.Combine(dir ?? Path.GetTempPath(), "test-output", "screenshots");
            Directory.CreateDirectory(output);
            return output;
        }
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: run ./test.sh, which installs Debian's chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Without these Chromium keeps trying to reach Google's services, which this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }
}
