using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shared.Contracts;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The marketers' console over the whole product: a marketer signs in, builds a segment and sees its live count, saves it,
/// attaches a placement, and a member's open lobby shows the placement's row without a reload while a non-member's does not,
/// until a deposit makes them a member too.
/// </summary>
[Trait("Category", "Slow")]
public class ConsoleScenarioTests(StoreServers servers)
{
    private const string Member = "p-e2e-member";
    private const string Small = "p-e2e-small";
    private const string Swede = "p-e2e-swede";
    private const string Excluded = "p-e2e-excluded";

    private const string Catalogue = """
        [{"id":"g-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-gonzo","title":"Gonzo's Quest","provider":"NetEnt","category":"slots","tags":["adventure"],"rtp":95.97,"volatility":"medium","minBet":0.2,"maxBet":50,"jackpot":false,"markets":["*"],"releasedAt":"2013-01-01T00:00:00Z","enabled":true}]
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MarketerBuildsASegment_SeesItsCount_AttachesAPlacement_AndOnlyAMembersOpenLobbyShowsIt()
    {
        await using var product = await Product.StartAsync(servers);
        await SeedCasinoAsync(product);
        await WaitForPreviewAsync(product);

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var marketer = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
            var console = await marketer.NewPageAsync();
            await SignInAsync(console, product);

            // Build "country is MT and lifetime deposits at least 100".
            await console.GetByTestId("new-segment").ClickAsync();
            await Assertions.Expect(console.GetByTestId("rule-builder")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await console.GetByTestId("segment-name").FillAsync("Malta depositors");
            await console.GetByTestId("add-condition").First.ClickAsync();
            var country = console.Locator("[data-path='rule.all[0]']");
            await ChooseFieldAsync(console, country, "country");
            await PickAsync(console, country.Locator(".rule-condition__value .rule-value"), "MT");
            await console.GetByTestId("add-condition").First.ClickAsync();
            var deposits = console.Locator("[data-path='rule.all[1]']");
            await ChooseFieldAsync(console, deposits, "lifetime.depositAmount");
            await PickAsync(console, deposits.Locator(".rule-condition__op"), "at least");
            await deposits.Locator(".rule-condition__value input").FillAsync("100");

            // The live preview: one member; the self-excluded Maltese depositor kept out, and why.
            await Assertions.Expect(console.GetByTestId("preview-count")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
            await Assertions.Expect(console.GetByTestId($"excluded-{MarketingPolicy.SelfExcluded}")).ToContainTextAsync("Self-excluded");
            await Assertions.Expect(console.GetByTestId($"sample-{Member}")).ToBeVisibleAsync();
            await console.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "console-builder-1440.png"), FullPage = true });

            await console.GetByTestId("save-segment").ClickAsync();
            await Assertions.Expect(console.GetByTestId("segment-members")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
            await Assertions.Expect(console.GetByTestId($"member-{Member}")).ToBeVisibleAsync();
            await console.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "console-segment-1440.png"), FullPage = true });

            // Its members as CSV, through the console (the browser never holds Intelligence's key).
            var download = await console.RunAndWaitForDownloadAsync(() => console.GetByTestId("download-csv").ClickAsync());
            var csv = await File.ReadAllLinesAsync(await download.PathAsync(), TestContext.Current.CancellationToken);
            Assert.StartsWith("playerId,", csv[0], StringComparison.Ordinal);
            Assert.StartsWith(Member + ",MT,", Assert.Single(csv.Skip(1)), StringComparison.Ordinal);

            // The same builder on a phone: the saved segment opened for editing, at 375 px.
            var phone = await marketer.NewPageAsync();
            await phone.SetViewportSizeAsync(375, 812);
            await phone.GotoAsync(console.Url + "/edit");
            await Assertions.Expect(phone.GetByTestId("preview-count")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
            await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "console-builder-375.png"), FullPage = true });
            await phone.CloseAsync();

            // Both players' lobbies are open, and live, before the placement exists.
            var memberLobby = await OpenLobbyAsync(browser, product, Member);
            var otherLobby = await OpenLobbyAsync(browser, product, Small);
            var navigations = 0;
            memberLobby.FrameNavigated += (_, f) => { if (f == memberLobby.MainFrame) navigations++; };
            await Assertions.Expect(memberLobby.Locator("[data-testid^='row-placement-']")).ToHaveCountAsync(0);

            await console.GetByTestId("attach-placement").ClickAsync();
            await Assertions.Expect(console.GetByTestId("placement-title")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await console.GetByTestId("placement-title").FillAsync("Picked for Malta");
            await console.GetByTestId("placement-game-search").FillAsync("gonzo");
            await console.GetByTestId("game-option-g-gonzo").ClickAsync();
            await Assertions.Expect(console.GetByTestId("chosen-g-gonzo")).ToBeVisibleAsync();
            var saved = System.Diagnostics.Stopwatch.StartNew();
            await console.GetByTestId("save-placement").ClickAsync();

            // The member's open lobby gains the row at the top, without a reload (bounds are generous: the machine is shared).
            var placed = memberLobby.Locator("[data-testid^='row-placement-']");
            await Assertions.Expect(placed).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            TestContext.Current.TestOutputHelper?.WriteLine($"placement saved → row in the member's open lobby: {saved.ElapsedMilliseconds} ms (click included)");
            await Assertions.Expect(console.GetByTestId("placements-table")).ToContainTextAsync("Picked for Malta", new() { Timeout = 15_000 });
            await Assertions.Expect(placed.GetByTestId("tile-g-gonzo")).ToBeVisibleAsync();
            await Assertions.Expect(placed.Locator("h2")).ToHaveTextAsync("Picked for Malta");
            Assert.StartsWith("row-placement-", await memberLobby.Locator("[data-testid^='row-']").First.GetAttributeAsync("data-testid"), StringComparison.Ordinal);
            Assert.Equal(0, navigations);
            await memberLobby.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "console-member-lobby-1440.png"), FullPage = true });

            // The non-member's lobby, told of the same change, still has no placement row.
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            await Assertions.Expect(otherLobby.Locator("[data-testid^='row-placement-']")).ToHaveCountAsync(0);
            Assert.Equal("true", await otherLobby.Locator("[data-live]").GetAttributeAsync("data-live"));

            // A deposit makes the other player a member: their open lobby gains the row, live.
            using (var ingestion = Product.Client(product.IngestionUrl))
            {
                var joined = System.Diagnostics.Stopwatch.StartNew();
                var deposit = await ingestion.PostAsync("/v1/events", new StringContent(
                    $$$"""{"specversion":"1.0","id":"{{{Small}}}-top-up","source":"/e2e","type":"wallet.deposit","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{Small}}}","data":{"transactionId":"top-up-{{{Small}}}","amount":200,"currency":"EUR","status":"approved"}}""",
                    Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);
                await Assertions.Expect(otherLobby.Locator("[data-testid^='row-placement-']").GetByTestId("tile-g-gonzo")).ToBeVisibleAsync(new() { Timeout = 15_000 });
                TestContext.Current.TestOutputHelper?.WriteLine($"deposit posted → row in the new member's open lobby: {joined.ElapsedMilliseconds} ms");
            }

            // Insight shows the distributions; the four players came without an affiliate, so the affiliates page has no partner.
            await console.GetByTestId("nav-insight").ClickAsync();
            await Assertions.Expect(console.GetByTestId("churn-distribution")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await console.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "console-insight-1440.png"), FullPage = true });
            await console.GetByTestId("nav-affiliates").ClickAsync();
            await Assertions.Expect(console.GetByTestId("affiliates-table")).ToContainTextAsync("No affiliate has sent players yet.", new() { Timeout = 15_000 });
        }
    }

    [Fact]
    public async Task ConsoleRefusesAnonymousVisitors_Players_AndWrongPasswords()
    {
        await using var product = await Product.StartAsync(servers);
        using var anonymous = Client(product);

        var page = await anonymous.GetAsync("/console/segments", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fsegments", page.Headers.Location!.PathAndQuery);
        // The export is an API endpoint: refused outright rather than redirected.
        var csv = await anonymous.GetAsync("/console/segments/seg-1/players.csv", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, csv.StatusCode);

        // A signed-in player is sent to the console's login like anybody else.
        using var player = Client(product);
        var entered = await player.GetAsync($"/enter?token={product.PlayerToken(Member)}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, entered.StatusCode);
        var asPlayer = await player.GetAsync("/console/segments", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, asPlayer.StatusCode);
        Assert.StartsWith("/console/login", asPlayer.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        // A wrong password is refused; the right one opens the console.
        var wrong = await SignInAsync(anonymous, Product.MarketerName, "not-the-password");
        Assert.Equal("/console/login?returnUrl=%2Fconsole&error=failed", wrong.Headers.Location!.OriginalString);
        var right = await SignInAsync(anonymous, Product.MarketerName, Product.MarketerPassword);
        Assert.Equal("/console", right.Headers.Location!.OriginalString);
        var segments = await anonymous.GetAsync("/console/segments", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, segments.StatusCode);
        // A marketer is not an admin.
        var audit = await anonymous.GetAsync("/console/audit", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, audit.StatusCode);
        Assert.StartsWith("/console/denied", audit.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        // Signing out ends it.
        var signedOut = await anonymous.PostAsync("/console/signout", null, TestContext.Current.CancellationToken);
        Assert.Equal("/console/login", signedOut.Headers.Location!.OriginalString);
        var after = await anonymous.GetAsync("/console/segments", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    private static HttpClient Client(Product product) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = product.LobbyUrl };

    /// <summary>Posts the login form as a browser would: with the antiforgery token the login page hands out.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string name, string password)
    {
        var login = await client.GetStringAsync("/console/login", TestContext.Current.CancellationToken);
        var token = Regex.Match(login, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["name"] = name, ["password"] = password, ["returnUrl"] = "/console",
        });
        var response = await client.PostAsync("/console/signin", form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response;
    }

    private static async Task SignInAsync(IPage page, Product product)
    {
        await page.GotoAsync(new Uri(product.LobbyUrl, "/console/segments").ToString());
        // Sent to the login, which brings the marketer back afterwards.
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".mud-input-control").First).ToBeVisibleAsync();
        await page.GetByTestId("login-name").FillAsync(Product.MarketerName);
        await page.GetByTestId("login-password").FillAsync(Product.MarketerPassword);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("segments-table")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("console-user")).ToContainTextAsync(Product.MarketerName);
        await WaitInteractiveAsync(page);
    }

    /// <summary>A full page load is first rendered on the server; clicks count once its circuit runs.</summary>
    private static Task WaitInteractiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("[data-interactive='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });

    /// <summary>Types into a condition's field picker and takes the field with exactly this path.</summary>
    private static async Task ChooseFieldAsync(IPage page, ILocator condition, string path)
    {
        await condition.Locator(".rule-condition__field input").FillAsync(path);
        await page.Locator(".mud-popover-open .field-option__path").GetByText(path, new() { Exact = true }).ClickAsync();
        await Assertions.Expect(condition.Locator(".rule-condition__hint")).ToBeVisibleAsync();
    }

    /// <summary>Opens a MudSelect and clicks the item with this text.</summary>
    private static async Task PickAsync(IPage page, ILocator select, string text)
    {
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^\\s*{Regex.Escape(text)}\\s*$") }).First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    private static async Task<IPage> OpenLobbyAsync(IBrowser browser, Product product, string playerId)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(product.LobbyUrl, $"/enter?token={product.PlayerToken(playerId)}").ToString());
        await Assertions.Expect(page.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return page;
    }

    /// <summary>Four players: a Maltese depositor (the member), a Maltese small depositor, a Swede, and a self-excluded Maltese depositor.</summary>
    private static async Task SeedCasinoAsync(Product product)
    {
        using var ingestion = Product.Client(product.IngestionUrl);
        var catalogue = await ingestion.PutAsync("/v1/catalog/games", new StringContent(Catalogue, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, catalogue.StatusCode);
        var now = DateTimeOffset.UtcNow;
        var events = new List<string>();
        void Add(string player, string type, string data) => events.Add(
            $$$"""{"specversion":"1.0","id":"{{{player}}}-{{{events.Count}}}","source":"/e2e","type":"{{{type}}}","time":"{{{now:O}}}","subject":"{{{player}}}","data":{{{data}}}}""");
        foreach (var (player, country, deposit) in new[] { (Member, "MT", 500m), (Small, "MT", 20m), (Swede, "SE", 900m), (Excluded, "MT", 700m) })
        {
            Add(player, "player.registered", $$"""{"country":"{{country}}","currency":"EUR"}""");
            Add(player, "player.consent", """{"channel":"email","granted":true}""");
            Add(player, "wallet.deposit", $$"""{"transactionId":"dep-{{player}}","amount":{{deposit}},"currency":"EUR","status":"approved"}""");
            Add(player, "wallet.bet", $$"""{"transactionId":"bet-{{player}}","roundId":"r-{{player}}","gameId":"g-starburst","amount":1.00,"currency":"EUR"}""");
        }
        Add(Excluded, "player.rg", $$"""{"kind":"self_exclusion","until":"{{now.AddDays(180):O}}"}""");
        var response = await ingestion.PostAsync("/v1/events",
            new StringContent(string.Join('\n', events), Encoding.UTF8, "application/x-ndjson"), TestContext.Current.CancellationToken);
        var result = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, TestContext.Current.CancellationToken);
        Assert.Equal(events.Count, result!.Accepted);
    }

    /// <summary>Waits until Intelligence's segment index holds the four players (they arrive as they are scored).</summary>
    private static async Task WaitForPreviewAsync(Product product)
    {
        using var intelligence = Product.Client(product.IntelligenceUrl);
        var request = """{"rule":{"field":"country","op":"in","value":["MT","SE"]},"purpose":"analysis","sampleSize":0}""";
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await intelligence.PostAsync("/v1/segments/preview", new StringContent(request, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SegmentPreview, TestContext.Current.CancellationToken))!.Count == 4)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Intelligence's segment index did not hold the four players within {Patience} (last answer {(int)response.StatusCode}).");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
