using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using Shared.Contracts;
using Simulator.Demo;

namespace EndToEnd.Tests;

/// <summary>
/// What a newcomer sees on the demo's first start, checked on the pages themselves and kept as screenshots in
/// test-output/screenshots/: a new and a regular player's lobby with no row repeating another and no game shown twice
/// above the category rows, and every page of the marketers' console with content (the seeded examples), never an
/// empty state.
/// </summary>
[Trait("Category", "Slow")]
[Collection(DemoTests.Name)]
public class DemoScreensTests(DemoCasino demo)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string Shot(string name) => Path.Combine(Browser.OutputDirectory, name);

    /// <summary>The lobby's rows above the catalogue's category rows, each as the game ids of its tiles, in order.</summary>
    private static async Task<List<(string Row, string[] Games)>> FirstViewAsync(IPage page)
    {
        var rows = new List<(string, string[])>();
        foreach (var row in await page.Locator("[data-testid^='row-']:not([data-testid^='row-category-']):not([data-testid='row-search'])").AllAsync())
        {
            var games = new List<string>();
            foreach (var tile in await row.Locator("[data-testid^='tile-']").AllAsync()) games.Add((await tile.GetAttributeAsync("data-testid"))!["tile-".Length..]);
            rows.Add(((await row.GetAttributeAsync("data-testid"))!, [.. games]));
        }
        return rows;
    }

    private static void AssertDistinct(List<(string Row, string[] Games)> rows)
    {
        Assert.NotEmpty(rows);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.NotEmpty(rows[i].Games);
            for (var j = 0; j < i; j++) Assert.False(rows[i].Games.SequenceEqual(rows[j].Games), $"{rows[i].Row} shows what {rows[j].Row} above it shows");
        }
        var shown = rows.SelectMany(r => r.Games.Select(g => (r.Row, Game: g))).ToList();
        var twice = shown.GroupBy(s => s.Game).Where(g => g.Count() > 1).Select(g => $"{g.Key} in {string.Join(" and ", g.Select(s => s.Row))}").ToList();
        Assert.True(twice.Count == 0, "games shown twice in the first view: " + string.Join("; ", twice));
    }

    private async Task<IPage> LobbyAsync(IBrowser browser, string playerId)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        await page.GotoAsync(new Uri(demo.Product.LobbyUrl, $"/dev/enter/{playerId}").ToString());
        await Assertions.Expect(page.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("lobby-empty")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid^='row-category-']").First).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task ANewPlayersLobby_AndARegularsLobby_RepeatNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        // A new player: registered, consenting, not a single round yet. Their lists fall back to what is popular.
        const string newcomer = "p-e2e-newcomer";
        var now = DateTimeOffset.UtcNow;
        var events = string.Join('\n',
            $$$"""{"specversion":"1.0","id":"{{{newcomer}}}-1","source":"/e2e","type":"player.registered","time":"{{{now:O}}}","subject":"{{{newcomer}}}","data":{"country":"DE","currency":"EUR"}}""",
            $$$"""{"specversion":"1.0","id":"{{{newcomer}}}-2","source":"/e2e","type":"player.consent","time":"{{{now:O}}}","subject":"{{{newcomer}}}","data":{"channel":"email","granted":true}}""");
        using (var posted = await demo.Ingestion.PostAsync("/v1/events", new StringContent(events, Encoding.UTF8, "application/x-ndjson"), ct))
        {
            Assert.True(posted.IsSuccessStatusCode);
        }
        var regular = demo.Featured.First(f => f.Archetype == "casual_slots").PlayerId;

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var newLobby = await LobbyAsync(browser, newcomer);
            await Assertions.Expect(newLobby.GetByTestId("row-for-you")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var newRows = await FirstViewAsync(newLobby);
            Assert.DoesNotContain(newRows, r => r.Row == "row-continue-playing");
            AssertDistinct(newRows);
            await newLobby.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("demo-lobby-new-player-1440.png"), FullPage = true });

            var regularLobby = await LobbyAsync(browser, regular);
            await Assertions.Expect(regularLobby.GetByTestId("row-continue-playing")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var regularRows = await FirstViewAsync(regularLobby);
            Assert.True(regularRows.Count >= 4, $"a regular's lobby has {regularRows.Count} rows of their own");
            AssertDistinct(regularRows);
            // What they play is not "recommended" back to them.
            var playing = regularRows.Single(r => r.Row == "row-continue-playing").Games;
            Assert.Empty(regularRows.Single(r => r.Row == "row-for-you").Games.Intersect(playing));
            await regularLobby.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("demo-lobby-regular-1440.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task EveryConsolePage_ShowsTheSeededExamples_NoEmptyPage()
    {
        var ct = TestContext.Current.CancellationToken;
        // Members arrive as players are scored, within moments of the models' first training.
        List<Segment> examples;
        var deadline = DateTime.UtcNow + Patience;
        do
        {
            var segments = (await demo.Intelligence.GetFromJsonAsync("/v1/segments", ContractsJsonContext.Default.ListSegment, ct))!;
            examples = [.. segments.Where(s => s.Name.StartsWith(DemoExamples.NamePrefix, StringComparison.Ordinal))];
            if (examples.All(s => s.Members > 0)) break;
            await Task.Delay(500, ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(DemoExamples.Segments.Count, examples.Count);
        Assert.All(examples, s => Assert.True(s.Members > 0, $"the example “{s.Name}” has no members"));
        Assert.All(examples, s => Assert.Equal(DemoExamples.Actor, s.CreatedBy));
        var liveFans = examples.Single(s => s.Name == DemoExamples.NamePrefix + "Live casino fans");

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
            await page.GotoAsync(new Uri(demo.Product.LobbyUrl, "/console/segments").ToString());
            await page.GetByTestId("login-name").FillAsync(Product.AdminName);
            await page.GetByTestId("login-password").FillAsync(Product.AdminPassword);
            await page.GetByTestId("login-submit").ClickAsync();

            async Task NotEmptyAsync(string shot)
            {
                await Assertions.Expect(page.Locator("[data-interactive='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
                await Assertions.Expect(page.Locator(".console-empty")).ToHaveCountAsync(0);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot(shot), FullPage = true });
            }

            // Segments: the four examples, with members.
            var table = page.GetByTestId("segments-table");
            await Assertions.Expect(table.Locator("tbody tr", new() { HasText = DemoExamples.NamePrefix })).ToHaveCountAsync(DemoExamples.Segments.Count, new() { Timeout = 15_000 });
            await NotEmptyAsync("demo-console-segments-1440.png");

            // A segment's page: members (the membership fills in as players are scored), its size, its placement.
            await page.GotoAsync(new Uri(demo.Product.LobbyUrl, $"/console/segments/{liveFans.Id}").ToString());
            await Assertions.Expect(page.GetByTestId("members-table").Locator("tbody tr").First).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
            await Assertions.Expect(page.GetByTestId("segment-members")).Not.ToHaveTextAsync("0");
            await Assertions.Expect(page.GetByText("Placements (1)")).ToBeVisibleAsync();
            await NotEmptyAsync("demo-console-segment-1440.png");

            // The builder, on a copy of an example's rule.
            await page.GotoAsync(new Uri(demo.Product.LobbyUrl, $"/console/segments/{liveFans.Id}/edit").ToString());
            await Assertions.Expect(page.GetByTestId("preview-count")).Not.ToHaveTextAsync("0", new() { Timeout = 15_000 });
            await Assertions.Expect(page.GetByTestId("condition-missing")).ToHaveCountAsync(0);
            await NotEmptyAsync("demo-console-builder-1440.png");

            // Placements: both examples.
            await page.GetByTestId("nav-placements").ClickAsync();
            var placements = page.GetByTestId("placements-table");
            await Assertions.Expect(placements).ToContainTextAsync(DemoExamples.LiveTablesTitle, new() { Timeout = 15_000 });
            await Assertions.Expect(placements).ToContainTextAsync(DemoExamples.NewSlotsTitle);
            await NotEmptyAsync("demo-console-placements-1440.png");

            // Insight: distributions over the casino's players.
            await page.GetByTestId("nav-insight").ClickAsync();
            await Assertions.Expect(page.GetByTestId("churn-distribution")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(page.GetByTestId("vip-distribution")).ToBeVisibleAsync();
            await NotEmptyAsync("demo-console-insight-1440.png");

            // Affiliates: the simulator's partners ranked by their cohorts' predicted value.
            await page.GetByTestId("nav-affiliates").ClickAsync();
            await Assertions.Expect(page.GetByTestId("affiliates-table").Locator("tbody tr").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await NotEmptyAsync("demo-console-affiliates-1440.png");

            // Models: churn and VIP each say what scores the players (a model or the rule), with their holdouts.
            await page.GetByTestId("nav-models").ClickAsync();
            await Assertions.Expect(page.GetByTestId("model-churn").GetByTestId("served-by")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(page.GetByTestId("model-vip").GetByTestId("served-by")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("model-churn").GetByTestId("folds")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await NotEmptyAsync("demo-console-models-1440.png");

            // Operations: the live feed table, a row for every source the demo's simulator sends from, and a chart per feed.
            await page.GetByTestId("nav-operations").ClickAsync();
            await Assertions.Expect(page.GetByTestId("feeds-table").Locator("[data-testid=feed-row]").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var sources = (await demo.Ingestion.GetFromJsonAsync("/v1/feeds", ContractsJsonContext.Default.FeedsReport, ct))!.Items.Select(f => f.Source).ToList();
            Assert.NotEmpty(sources);
            foreach (var source in sources)
            {
                await Assertions.Expect(page.Locator($"[data-testid=feed-row][data-source='{source}']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            }
            await Assertions.Expect(page.GetByTestId("feed-chart").First).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("recon-open-rounds")).ToBeVisibleAsync();
            await NotEmptyAsync("demo-console-operations-1440.png");

            // Audit log: the examples' creation, by their author.
            await page.GetByTestId("nav-audit").ClickAsync();
            await Assertions.Expect(page.GetByTestId("audit-table")).ToContainTextAsync(DemoExamples.Actor, new() { Timeout = 15_000 });
            await NotEmptyAsync("demo-console-audit-1440.png");

            // The safer-gambling officer's case queue fills with the simulator's at-risk players as their harm score rises.
            var officer = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
            await officer.GotoAsync(new Uri(demo.Product.LobbyUrl, "/console/safer-gambling").ToString());
            await officer.GetByTestId("login-name").FillAsync(Product.OfficerName);
            await officer.GetByTestId("login-password").FillAsync(Product.OfficerPassword);
            await officer.GetByTestId("login-submit").ClickAsync();
            await Assertions.Expect(officer.GetByTestId("case-row").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await officer.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("demo-console-cases-1440.png"), FullPage = true });
        }

        // The example webhook reaches the demo's CRM, signed: segment entries as members are found.
        deadline = DateTime.UtcNow + Patience;
        while (demo.Crm.Received == 0 && DateTime.UtcNow < deadline) await Task.Delay(250, ct);
        Assert.True(demo.Crm.Received > 0, "the demo's CRM received no webhook");
        Assert.Equal(0, demo.Crm.Refused);
    }
}
