using System.Net;
using System.Text.Json;
using Lobby.Experiments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using Shared.Contracts;

namespace Lobby.UnitTests.Experiments;

/// <summary>What the lobby tells Ingestion it showed: each row once, with its place, games, model and the player's groups; launches naming the row's impression.</summary>
public sealed class PageImpressionsTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly Capture _ingestion = new();
    private readonly ImpressionSender _sender;
    private readonly PageImpressions _page;

    public PageImpressionsTests()
    {
        var factory = Substitute.For<IHttpClientFactory>();
        factory.CreateClient(Arg.Any<string>()).Returns(_ => new HttpClient(_ingestion, disposeHandler: false) { BaseAddress = new Uri("http://ingestion.test/") });
        _sender = new ImpressionSender(factory, Options.Create(new ImpressionOptions { FlushAfter = TimeSpan.FromMilliseconds(20) }), new FakeTimeProvider(Now),
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), NullLogger<ImpressionSender>.Instance);
        _page = new PageImpressions(_sender, new FakeTimeProvider(Now));
    }

    private static LobbyRow Row(string list, string? model, params string[] games) =>
        new(list, list, [.. games.Select(g => new LobbyItem(g, g, "NetEnt", "slots"))], model);

    /// <summary>Runs the sender until Ingestion has had <paramref name="expected"/> events and nothing waits: the events as sent.</summary>
    private async Task<List<JsonElement>> SentAsync(int expected)
    {
        await _sender.StartAsync(TestContext.Current.CancellationToken);
        List<JsonElement> Events() => [.. _ingestion.Bodies.SelectMany(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => JsonDocument.Parse(l).RootElement)];
        for (var i = 0; i < 500 && (Events().Count < expected || _sender.Waiting > 0); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
        await _sender.StopAsync(TestContext.Current.CancellationToken);
        return Events();
    }

    [Fact]
    public async Task EachRowShown_IsOneImpression_WithItsPlaceGamesModelAndGroups_AndALaunchNamesIt()
    {
        _page.RowsShown("p-1", [Row("placement-pl-1", null, "g-p"), Row("for-you", "recs-3", "g-a", "g-b", "g-c"), Row("empty", null)], ExperimentGroups.Treatment);
        _page.Launched("p-1", "for-you", "g-c");
        // A game no longer in the row, or a row never shown: nothing to count.
        _page.Launched("p-1", "for-you", "g-z");
        _page.Launched("p-1", "trending", "g-a");

        var sent = await SentAsync(3);

        Assert.Equal(["lobby.impression", "lobby.impression", "lobby.launch"], sent.Select(e => e.GetProperty("type").GetString()));
        Assert.All(sent, e => Assert.Equal("p-1", e.GetProperty("subject").GetString()));
        Assert.All(sent, e => Assert.Equal("/lobby", e.GetProperty("source").GetString()));
        var placement = sent[0].GetProperty("data");
        Assert.Equal(0, placement.GetProperty("rowPosition").GetInt32());
        Assert.Equal("treatment", placement.GetProperty("experiments").GetProperty("placement-pl-1").GetString());
        var forYou = sent[1].GetProperty("data");
        Assert.Equal("for-you", forYou.GetProperty("list").GetString());
        Assert.Equal(1, forYou.GetProperty("rowPosition").GetInt32());
        Assert.Equal(["g-a", "g-b", "g-c"], forYou.GetProperty("gameIds").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("recs-3", forYou.GetProperty("modelVersion").GetString());
        Assert.Equal("treatment", forYou.GetProperty("experiments").GetProperty(ExperimentIds.Lobby).GetString());
        var launch = sent[2].GetProperty("data");
        Assert.Equal(sent[1].GetProperty("id").GetString(), launch.GetProperty("impressionId").GetString());
        Assert.Equal(2, launch.GetProperty("position").GetInt32());
        Assert.Equal(1, launch.GetProperty("rowPosition").GetInt32());
        Assert.Equal("g-c", launch.GetProperty("gameId").GetString());
    }

    [Fact]
    public async Task TheSameRowShownAgain_IsNotANewImpression_ButAChangedOneIs()
    {
        _page.RowsShown("p-1", [Row("for-you", "recs-3", "g-a", "g-b")], ExperimentGroups.Control);
        _page.RowsShown("p-1", [Row("for-you", "recs-3", "g-a", "g-b")], ExperimentGroups.Control);
        _page.RowsShown("p-1", [Row("for-you", "recs-3", "g-b", "g-a")], ExperimentGroups.Control);

        var sent = await SentAsync(2);

        Assert.Equal(2, sent.Count);
        Assert.Equal("control", sent[1].GetProperty("data").GetProperty("experiments").GetProperty(ExperimentIds.Lobby).GetString());
        Assert.NotEqual(sent[0].GetProperty("id").GetString(), sent[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task APlayerInNoGroup_ReportsRowsWithoutExperiments()
    {
        _page.RowsShown("p-1", [Row("for-you", null, "g-a")], lobbyGroup: null);
        var sent = await SentAsync(1);
        Assert.False(Assert.Single(sent).GetProperty("data").TryGetProperty("experiments", out var x) && x.ValueKind != JsonValueKind.Null);
    }

    public async ValueTask DisposeAsync()
    {
        _sender.Dispose();
        _ingestion.Dispose();
        await Task.CompletedTask;
    }

    private sealed class Capture : HttpMessageHandler
    {
        private readonly Lock _gate = new();
        private readonly List<string> _bodies = [];

        public IReadOnlyList<string> Bodies
        {
            get
            {
                lock (_gate) return [.. _bodies];
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (_gate) _bodies.Add(body);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"accepted":1,"duplicates":0,"rejected":[]}""", System.Text.Encoding.UTF8, "application/json") };
        }
    }
}
