using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace EndToEnd.Tests;

/// <summary>
/// README's "Try the walking skeleton by hand", word for word, against the demo casino: every curl command of the
/// section runs as written (only the services' addresses and the API key are those of this test's product), every
/// answer shown after "# →" is what comes back ("…" leaves a part out), and the lobby the section sends you to shows
/// what it says, changing without a reload.
/// </summary>
[Trait("Category", "Slow")]
[Collection(DemoTests.Name)]
public partial class WalkthroughTests(DemoCasino demo)
{
    private const string Section = "## Try the walking skeleton by hand";

    /// <summary>One command of the section, the answer shown after it, and whether the section opens the lobby after it.</summary>
    public sealed record Step(string Command, string? Answer, bool ThenTheLobby);

    public static IReadOnlyList<Step> Steps(string readme)
    {
        var start = readme.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section \"{Section}\"");
        var next = readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var section = readme[start..(next < 0 ? readme.Length : next)];
        var block = CodeBlock().Match(section);
        Assert.True(block.Success, "the walkthrough has no ```bash block");

        var steps = new List<Step>();
        var lines = block.Groups[1].Value.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("# ", StringComparison.Ordinal) && lines[i].Contains("/dev/enter/", StringComparison.Ordinal) && steps.Count > 0)
            {
                steps[^1] = steps[^1] with { ThenTheLobby = true };
            }
            if (!lines[i].StartsWith("curl ", StringComparison.Ordinal)) continue;
            var command = lines[i];
            while (command.EndsWith('\\')) command += "\n" + lines[++i];
            var answer = i + 1 < lines.Length && lines[i + 1].StartsWith("# → ", StringComparison.Ordinal) ? lines[i + 1]["# → ".Length..].Trim() : null;
            steps.Add(new Step(command, answer, false));
        }
        return steps;
    }

    /// <summary>The answer as shown: exactly, or, with "…", every part shown in that order.</summary>
    public static bool Shows(string shown, string actual)
    {
        if (!shown.Contains('…', StringComparison.Ordinal)) return shown == actual.Trim();
        var at = 0;
        foreach (var part in shown.Split('…', StringSplitOptions.RemoveEmptyEntries))
        {
            var found = actual.IndexOf(part, at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + part.Length;
        }
        return true;
    }

    [Fact]
    public void TheStepsAreReadAsTheSectionShowsThem()
    {
        var steps = Steps(File.ReadAllText(Readme));

        Assert.Equal(4, steps.Count);
        Assert.All(steps, s => Assert.NotNull(s.Answer));
        Assert.Equal([false, false, true, false], steps.Select(s => s.ThenTheLobby));
        Assert.True(Shows("""{"a":1,…,"c":{…,"d":2,…}}""", """{"a":1,"b":0,"c":{"x":1,"d":2,"e":3}}"""));
        Assert.False(Shows("""{"a":1,…,"d":2}""", """{"a":1,"d":3}"""));
        Assert.False(Shows("""{"accepted":1}""", """{"accepted":0}"""));
    }

    [Fact]
    public async Task TheWalkthrough_WorksWordForWord_OnTheDemo()
    {
        var readme = await File.ReadAllTextAsync(Readme, TestContext.Current.CancellationToken);
        var steps = Steps(readme);
        var games = steps.Select(s => GameId().Match(s.Command)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(2, games.Count);
        // The section names each game with its title: the catalogue's.
        foreach (var id in games)
        {
            var game = Assert.Single(demo.Games, g => g.Id == id);
            Assert.Contains($"{game.Title} (`{id}`)", readme, StringComparison.Ordinal);
        }

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage? lobby = null;
            var navigations = 0;
            foreach (var step in steps)
            {
                var answer = await CurlAsync(step.Command);
                Assert.True(step.Answer is null || Shows(step.Answer, answer), $"README shows\n  {step.Answer}\nfor\n  {step.Command}\nbut the demo answered\n  {answer}");
                if (lobby is not null)
                {
                    // The bet after the lobby was opened: its game leads "Continue playing", in the open page.
                    await Assertions.Expect(lobby.GetByTestId("row-continue-playing").Locator("[data-testid^='tile-']").First)
                        .ToHaveAttributeAsync("data-testid", $"tile-{games[1]}", new() { Timeout = 15_000 });
                    Assert.Equal(0, navigations);
                    await lobby.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "walkthrough-lobby-after-1440.png"), FullPage = true });
                }
                if (!step.ThenTheLobby) continue;
                lobby = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
                await lobby.GotoAsync(new Uri(demo.Product.LobbyUrl, "/dev/enter/p-1042").ToString());
                await Assertions.Expect(lobby.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
                var first = demo.Games.Single(g => g.Id == games[0]);
                await Assertions.Expect(lobby.GetByTestId("row-continue-playing").GetByTestId($"tile-{first.Id}")).ToBeVisibleAsync(new() { Timeout = 15_000 });
                await Assertions.Expect(lobby.GetByTestId("row-continue-playing")).ToContainTextAsync(first.Title);
                lobby.FrameNavigated += (_, f) => { if (f == lobby.MainFrame) navigations++; };
                await lobby.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "walkthrough-lobby-1440.png"), FullPage = true });
            }
            Assert.NotNull(lobby);
        }
    }

    private static string Readme => Path.GetFullPath(typeof(WalkthroughTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Readme").Value!);

    /// <summary>Runs the command with bash, pointed at this test's services instead of the fixed ports run.sh uses.</summary>
    private async Task<string> CurlAsync(string command)
    {
        var local = command
            .Replace("http://127.0.0.1:5180", demo.Product.IngestionUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("http://127.0.0.1:5181", demo.Product.IntelligenceUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("http://127.0.0.1:5182", demo.Product.LobbyUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("X-Api-Key: dev-key", $"X-Api-Key: {Product.ApiKey}", StringComparison.Ordinal);
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(local);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"{command}\nexited with {process.ExitCode}: {await errors}");
        return await output;
    }

    [GeneratedRegex("```bash\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex("\"gameId\":\"([^\"]+)\"")]
    private static partial Regex GameId();
}
