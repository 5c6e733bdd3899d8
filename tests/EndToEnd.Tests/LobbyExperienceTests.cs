using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using Shared.Contracts;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// What a player sees, over the real product: enter through the development way in, find personalised rows, open a
/// game's details, play a round in the game view (real wallet events through Ingestion) and watch the lobby open in
/// another tab change without a reload; a self-excluded player gets the neutral lobby and cannot bet. Screenshots at
/// phone (375 px) and desktop (1440 px) width go to test-output/screenshots/.
/// </summary>
[Trait("Category", "Slow")]
public class LobbyExperienceTests(StoreServers servers)
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(15);

    private static string Catalogue()
    {
        var recent = DateTimeOffset.UtcNow.AddDays(-3).ToString("O");
        return $$"""
            [{"id":"g-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space","gems"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
             {"id":"g-book-of-dead","title":"Book of Dead","provider":"Play'n GO","category":"slots","tags":["egypt","adventure"],"rtp":96.2,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2014-01-01T00:00:00Z","enabled":true},
             {"id":"g-legacy-of-dead","title":"Legacy of Dead","provider":"Play'n GO","category":"slots","tags":["egypt"],"rtp":96.6,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2020-01-01T00:00:00Z","enabled":true},
             {"id":"g-mega-moolah","title":"Mega Moolah","provider":"Games Global","category":"slots","tags":["safari"],"rtp":88.1,"volatility":"medium","minBet":0.25,"maxBet":6.25,"jackpot":true,"markets":["*"],"releasedAt":"2006-01-01T00:00:00Z","enabled":true},
             {"id":"g-pharaoh-gold","title":"Pharaoh's Gold Rush","provider":"Pragmatic Play","category":"slots","tags":["egypt"],"rtp":96.5,"volatility":"very_high","minBet":0.2,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"{{recent}}","enabled":true},
             {"id":"g-lightning","title":"Lightning Roulette","provider":"Evolution","category":"live","tags":["roulette"],"rtp":97.3,"volatility":"medium","minBet":0.2,"maxBet":500,"jackpot":false,"markets":["*"],"releasedAt":"2018-01-01T00:00:00Z","enabled":true},
             {"id":"g-blackjack","title":"Classic Blackjack","provider":"Evolution","category":"table","tags":["cards"],"rtp":99.5,"volatility":"low","minBet":1,"maxBet":500,"jackpot":false,"markets":["*"],"releasedAt":"2015-01-01T00:00:00Z","enabled":true},
             {"id":"g-aviator","title":"Aviator","provider":"Spribe","category":"crash","tags":["plane"],"rtp":97,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2019-01-01T00:00:00Z","enabled":true}{{Fillers()}}]
            """;
    }

    /// <summary>
    /// More adventure slots, so a lobby has more games than its first rows show: the lobby never shows a game twice
    /// above its category rows, so with only the eight games above "Because you played" would have nothing left to show.
    /// Their titles sort after the others' and they are not Egyptian (the searches below count those).
    /// </summary>
    private static string Fillers() => string.Concat(Enumerable.Range(1, 20).Select(i =>
        $$""",{"id":"g-tomb-{{i:00}}","title":"Tomb Quest {{i:00}}","provider":"Play'n GO","category":"slots","tags":["adventure"],"rtp":96,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2016-01-01T00:00:00Z","enabled":true}"""));

    private static StringContent Events(params string[] events) =>
        new("[" + string.Join(',', events) + "]", Encoding.UTF8, "application/cloudevents-batch+json");

    private static string Event(string type, string player, string data, string? id = null) =>
        $$"""{"specversion":"1.0","id":"{{id ?? Guid.NewGuid().ToString("N")}}","source":"/e2e","type":"{{type}}","time":"{{DateTimeOffset.UtcNow:O}}","subject":"{{player}}","data":{{data}}}""";

    private static string Bet(string player, string game, decimal amount = 1m)
    {
        var id = Guid.NewGuid().ToString("N");
        return Event(EventTypes.WalletBet, player, $$"""{"transactionId":"tx-{{id}}","roundId":"r-{{id}}","gameId":"{{game}}","amount":{{amount}},"currency":"EUR"}""");
    }

    private static string Registered(string player) => Event(EventTypes.PlayerRegistered, player, """{"country":"MT","currency":"EUR"}""");

    private static string Consent(string player) => Event(EventTypes.PlayerConsent, player, """{"channel":"email","granted":true}""");

    private static async Task PostAsync(HttpClient ingestion, params string[] events)
    {
        using var response = await ingestion.PostAsync("/v1/events", Events(events));
        var result = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(result!.Rejected);
    }

    /// <summary>The catalogue, and a little history: this player's Starburst sessions and other players' favourites.</summary>
    private static async Task SeedAsync(HttpClient ingestion, string player, params string[] extra)
    {
        using var catalogue = await ingestion.PutAsync("/v1/catalog/games", new StringContent(Catalogue(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, catalogue.StatusCode);
        var others = new[] { "p-other-1", "p-other-2", "p-other-3" };
        await PostAsync(ingestion, [Registered(player), Consent(player), Bet(player, "g-starburst"), Bet(player, "g-starburst"), Bet(player, "g-lightning"),
            .. others.Select(Registered), .. extra]);
        // One call per game: Ingestion announces a player's last change of a call, and that is what the play counts hear.
        foreach (var game in new[] { "g-aviator", "g-legacy-of-dead", "g-book-of-dead" })
        {
            await PostAsync(ingestion, [.. others.Select(o => Bet(o, game))]);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"Waited a minute for {what}.");
            await Task.Delay(250);
        }
    }

    private static string Shot(string name) => Path.Combine(Browser.OutputDirectory, name);

    [Fact]
    public async Task PlayerEntersPlaysARound_AndTheOpenLobbyChangesLive()
    {
        await using var product = await Product.StartAsync(servers, lobbyEnvironment: "Development");
        using var ingestion = Product.Client(product.IngestionUrl);
        using var intelligence = Product.Client(product.IntelligenceUrl);
        const string player = "p-lobby";
        await SeedAsync(ingestion, player);
        // Intelligence reads the catalogue afresh every few seconds: wait until it offers the player's game back.
        await WaitUntilAsync(async () =>
        {
            var list = await intelligence.GetFromJsonAsync($"/v1/players/{player}/recommendations?list=continue-playing",
                ContractsJsonContext.Default.RecommendationList);
            return list!.Items.Any(i => i.GameId == "g-starburst");
        }, "Intelligence to know the catalogue");

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            var lobby = await context.NewPageAsync();

            // The development way in: the signed-out lobby offers players the store knows (and a field for any id).
            await lobby.GotoAsync(product.LobbyUrl.ToString());
            await lobby.GetByTestId($"known-player-{player}").ClickAsync();
            await Assertions.Expect(lobby.GetByTestId("player-id")).ToHaveTextAsync(player);
            await Assertions.Expect(lobby.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });

            // Personalised rows first, then the catalogue by category, with badges from real data.
            var continuePlaying = lobby.GetByTestId("row-continue-playing");
            await Assertions.Expect(continuePlaying.GetByTestId("tile-g-starburst")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByTestId("row-for-you")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByTestId("row-category-slots")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByTestId("row-category-slots").GetByTestId("tile-g-mega-moolah").GetByTestId("badge-jackpot")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByTestId("row-category-slots").GetByTestId("tile-g-pharaoh-gold").GetByTestId("badge-new")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByTestId("row-category-slots").GetByTestId("tile-g-book-of-dead").GetByTestId("badge-hot")).ToBeVisibleAsync();
            await Assertions.Expect(lobby.GetByAltText("Starburst, slots game by NetEnt").First).ToBeVisibleAsync();
            await lobby.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("lobby-1440.png"), FullPage = true });

            // Search over the catalogue.
            await lobby.GetByTestId("search").FillAsync("egypt");
            var results = lobby.GetByTestId("row-search");
            await Assertions.Expect(results.GetByTestId("tile-g-book-of-dead")).ToBeVisibleAsync();
            await Assertions.Expect(results.Locator("[data-testid^='tile-']")).ToHaveCountAsync(3);
            await lobby.GetByTestId("search").FillAsync("");
            await Assertions.Expect(results).ToHaveCountAsync(0);

            // Keyboard: Tab moves from tile to tile, Enter opens the game's details.
            var firstTile = lobby.GetByTestId("row-category-slots").Locator("[data-testid^='tile-']").First;
            await firstTile.FocusAsync();
            await lobby.Keyboard.PressAsync("Tab");
            var focused = await lobby.EvaluateAsync<string>("document.activeElement.getAttribute('data-testid')");
            Assert.StartsWith("tile-", focused, StringComparison.Ordinal);
            await lobby.GetByTestId("row-category-slots").ScreenshotAsync(new LocatorScreenshotOptions { Path = Shot("keyboard-focus-1440.png") });
            await lobby.GetByTestId("row-category-slots").GetByTestId("tile-g-book-of-dead").FocusAsync();
            await lobby.Keyboard.PressAsync("Enter");
            var dialog = lobby.GetByRole(AriaRole.Dialog);
            await Assertions.Expect(dialog.GetByTestId("game-detail-title")).ToHaveTextAsync("Book of Dead");
            await Assertions.Expect(dialog.GetByTestId("game-detail-facts")).ToContainTextAsync("96.2%");
            await Assertions.Expect(dialog.GetByTestId("similar-games").Locator("[data-testid^='tile-']").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await lobby.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("game-dialog-1440.png") });

            // Play opens the game view in this tab; a second tab keeps the lobby open.
            var watcher = await context.NewPageAsync();
            await watcher.GotoAsync(product.LobbyUrl.ToString());
            await Assertions.Expect(watcher.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var watched = watcher.GetByTestId("row-continue-playing");
            await Assertions.Expect(watched.Locator("[data-testid^='tile-']").First).Not.ToHaveAttributeAsync("data-testid", "tile-g-book-of-dead");
            var navigations = 0;
            watcher.FrameNavigated += (_, f) => { if (f == watcher.MainFrame) navigations++; };

            await dialog.GetByTestId("game-detail-play").ClickAsync();
            await Assertions.Expect(lobby).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/play/g-book-of-dead$"));
            await Assertions.Expect(lobby.GetByTestId("game-title")).ToHaveTextAsync("Book of Dead");
            await lobby.GetByTestId("stake-1.00").ClickAsync();
            var before = (await intelligence.GetFromJsonAsync($"/v1/players/{player}/profile", ContractsJsonContext.Default.PlayerProfile))!.Lifetime;
            // Times taken in the pages themselves (one machine, one clock), printed as figures: never asserted.
            await watcher.EvaluateAsync("""
                () => new MutationObserver(() => {
                  const first = document.querySelector("[data-testid='row-continue-playing'] [data-testid^='tile-']");
                  if (!window.changedAt && first?.getAttribute('data-testid') === 'tile-g-book-of-dead') window.changedAt = Date.now();
                }).observe(document.body, { subtree: true, childList: true, attributes: true })
                """);
            await lobby.EvaluateAsync("""
                () => document.querySelector("[data-testid='play-round']").addEventListener('click', () => window.clickedAt = Date.now(), { capture: true })
                """);
            await lobby.GetByTestId("play-round").ClickAsync();
            await Assertions.Expect(lobby.GetByTestId("round-result")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(You won \\d+\\.\\d{2} EUR|No win)$"));

            // The open lobby changes without a reload: Continue playing leads with the game, Because you played names it.
            await Assertions.Expect(watched.Locator("[data-testid^='tile-']").First).ToHaveAttributeAsync("data-testid", "tile-g-book-of-dead",
                new() { Timeout = (float)Live.TotalMilliseconds });
            var clickedAt = await lobby.EvaluateAsync<double>("() => window.clickedAt");
            var changedAt = await watcher.EvaluateAsync<double>("() => window.changedAt");
            TestContext.Current.TestOutputHelper?.WriteLine($"figure: the open lobby showed the round {changedAt - clickedAt:0} ms after 'Play round' was clicked");
            await Assertions.Expect(watcher.GetByTestId("row-because-you-played").Locator("h2")).ToHaveTextAsync("Because you played Book of Dead",
                new() { Timeout = (float)Live.TotalMilliseconds });
            await lobby.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("game-view-1440.png"), FullPage = true });
            Assert.Equal(0, navigations);

            // The round reached the profile as real wallet events.
            var after = (await intelligence.GetFromJsonAsync($"/v1/players/{player}/profile", ContractsJsonContext.Default.PlayerProfile))!.Lifetime;
            Assert.Equal(before.BetCount + 1, after.BetCount);
            Assert.Equal(before.StakeAmount + 1m, after.StakeAmount);
            await watcher.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("lobby-after-round-1440.png"), FullPage = true });

            // Phone width: the same lobby, game details and game view at 375 px.
            var phone = await context.NewPageAsync();
            await phone.SetViewportSizeAsync(375, 812);
            await phone.GotoAsync(product.LobbyUrl.ToString());
            await Assertions.Expect(phone.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(phone.GetByTestId("row-continue-playing").GetByTestId("tile-g-book-of-dead")).ToBeVisibleAsync();
            var width = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 375, $"the page is {width} px wide at a 375 px viewport: something does not fit");
            await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("lobby-375.png"), FullPage = true });
            await phone.GetByTestId("row-continue-playing").GetByTestId("tile-g-book-of-dead").ClickAsync();
            await Assertions.Expect(phone.GetByRole(AriaRole.Dialog).GetByTestId("game-detail-title")).ToHaveTextAsync("Book of Dead");
            await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("game-dialog-375.png") });
            await phone.GotoAsync(new Uri(product.LobbyUrl, "/play/g-book-of-dead").ToString());
            await Assertions.Expect(phone.Locator("[data-interactive='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await phone.GetByTestId("play-round").ClickAsync();
            await Assertions.Expect(phone.GetByTestId("round-result")).Not.ToBeEmptyAsync();
            Assert.True(await phone.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375);
            await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("game-view-375.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task SelfExcludedPlayer_SeesTheNeutralLobby_AndCannotBet()
    {
        await using var product = await Product.StartAsync(servers, lobbyEnvironment: "Development");
        using var ingestion = Product.Client(product.IngestionUrl);
        using var intelligence = Product.Client(product.IntelligenceUrl);
        const string player = "p-excluded";
        var until = DateTimeOffset.UtcNow.AddMonths(6);
        await SeedAsync(ingestion, player,
            Event(EventTypes.PlayerRg, player, $$"""{"kind":"self_exclusion","until":"{{until:O}}"}"""));
        await WaitUntilAsync(async () =>
        {
            var profile = await intelligence.GetFromJsonAsync($"/v1/players/{player}/profile", ContractsJsonContext.Default.PlayerProfile);
            return profile!.Rg.SelfExcludedUntil > DateTimeOffset.UtcNow;
        }, "the self-exclusion in the profile");
        var betsBefore = (await intelligence.GetFromJsonAsync($"/v1/players/{player}/profile", ContractsJsonContext.Default.PlayerProfile))!.Lifetime.BetCount;

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            foreach (var (width, height) in new[] { (1440, 900), (375, 812) })
            {
                var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
                await page.GotoAsync(new Uri(product.LobbyUrl, $"/dev/enter/{player}").ToString());
                await Assertions.Expect(page.Locator("[data-live='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });

                await Assertions.Expect(page.GetByTestId("safer-gambling")).ToBeVisibleAsync();
                await Assertions.Expect(page.GetByTestId("safer-gambling-message")).ToContainTextAsync($"until {until.UtcDateTime:d MMMM yyyy}");
                await Assertions.Expect(page.GetByTestId("row-category-slots")).ToBeVisibleAsync();
                foreach (var list in RecommendationLists.All)
                {
                    await Assertions.Expect(page.GetByTestId($"row-{list}")).ToHaveCountAsync(0);
                }
                await Assertions.Expect(page.Locator(".game-badge")).ToHaveCountAsync(0);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"lobby-self-excluded-{width}.png"), FullPage = true });

                await page.GotoAsync(new Uri(product.LobbyUrl, "/play/g-starburst").ToString());
                await Assertions.Expect(page.GetByTestId("play-refused")).ToBeVisibleAsync();
                await Assertions.Expect(page.GetByTestId("play-round")).ToHaveCountAsync(0);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"game-view-self-excluded-{width}.png"), FullPage = true });
            }
        }
        var betsAfter = (await intelligence.GetFromJsonAsync($"/v1/players/{player}/profile", ContractsJsonContext.Default.PlayerProfile))!.Lifetime.BetCount;
        Assert.Equal(betsBefore, betsAfter);
    }
}
