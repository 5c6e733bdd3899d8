using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using Shared.Contracts;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The walking skeleton over real HTTP, a real store and a real browser: a bet POSTed to Ingestion is in the
/// profile Intelligence serves, and the player's lobby, already open, shows it without a reload.
/// </summary>
[Trait("Category", "Slow")]
public class WalkingSkeletonTests(StoreServers servers)
{
    private static StringContent Bet(string player, string id, string game) => new(
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/wallet","type":"wallet.bet","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{player}}}","data":{"transactionId":"tx-{{{id}}}","roundId":"r-{{{id}}}","gameId":"{{{game}}}","amount":2.50,"currency":"EUR"}}""",
        Encoding.UTF8, "application/cloudevents+json");

    private const string Catalogue = """
        [{"id":"g-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-book-of-dead","title":"Book of Dead","provider":"Play'n GO","category":"slots","tags":["egypt"],"rtp":96.2,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2014-01-01T00:00:00Z","enabled":true}]
        """;

    [Fact]
    public async Task BetPostedToIngestion_ReachesTheProfile_AndTheOpenLobbyWithoutAReload()
    {
        await using var product = await Product.StartAsync(servers);
        using var ingestion = Product.Client(product.IngestionUrl);
        using var intelligence = Product.Client(product.IntelligenceUrl);
        const string player = "p-skeleton";
        // The operator's catalogue: the lobby offers only games it knows, enabled and available in the player's market.
        var catalogue = await ingestion.PutAsync("/v1/catalog/games", new StringContent(Catalogue, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, catalogue.StatusCode);

        var first = await ingestion.PostAsync("/v1/events", Bet(player, "w-1", "g-starburst"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var profile = await intelligence.GetFromJsonAsync("/v1/players/p-skeleton/profile", ContractsJsonContext.Default.PlayerProfile);
        Assert.Equal(1, profile!.Lifetime.BetCount);
        Assert.Equal(2.5m, profile.Lifetime.StakeAmount);
        Assert.Equal("g-starburst", Assert.Single(profile.Games.Recent).GameId);

        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            await page.GotoAsync(new Uri(product.LobbyUrl, $"/enter?token={product.PlayerToken(player)}").ToString());
            var row = page.GetByTestId("row-continue-playing");
            await Assertions.Expect(row.GetByTestId("tile-g-starburst")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-live='true']")).ToBeVisibleAsync();
            var navigations = 0;
            page.FrameNavigated += (_, f) => { if (f == page.MainFrame) navigations++; };

            var second = await ingestion.PostAsync("/v1/events", Bet(player, "w-2", "g-book-of-dead"));
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);

            // The new game appears in the open page, first in "Continue playing", with no navigation.
            await Assertions.Expect(row.GetByTestId("tile-g-book-of-dead")).ToBeVisibleAsync(new() { Timeout = 5_000 });
            var tiles = row.Locator("[data-testid^='tile-']");
            Assert.Equal("tile-g-book-of-dead", await tiles.First.GetAttributeAsync("data-testid"));
            Assert.Equal(0, navigations);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.OutputDirectory, "skeleton-lobby-1440.png"), FullPage = true });
        }
    }
}
