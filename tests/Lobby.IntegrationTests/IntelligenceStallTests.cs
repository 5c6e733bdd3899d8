using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lobby.Live;
using Lobby.Rows;
using Shared.Contracts;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Intelligence accepts the lobby's connections and never answers (a hung process, a saturated host): past
/// <c>Lobby:IntelligenceTimeout</c> the lobby stops waiting and shows the rows the profile gives, read from the store.
/// A bet is still pushed with its game in "Continue playing", only for games offered in the player's market, and a
/// self-excluded player still gets none.
/// </summary>
public sealed class IntelligenceStallTests(Backends backends)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task PastItsWaitForASilentIntelligence_ThePushCarriesContinuePlayingFromTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string player = $"p-stall-{suffix}", excluded = $"p-stall-x-{suffix}", everywhere = $"g-stall-all-{suffix}", deOnly = $"g-stall-de-{suffix}";
        using var ingestion = Backend.Client(backend.IngestionUrl);
        var catalogue = $$"""
            [{"id":"{{everywhere}}","title":"Everywhere","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":true,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
             {"id":"{{deOnly}}","title":"DE only","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["DE"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true}]
            """;
        Assert.Equal(HttpStatusCode.OK, (await ingestion.PutAsync("/v1/catalog/games", new StringContent(catalogue, Encoding.UTF8, "application/json"), ct)).StatusCode);
        var setup = new StringBuilder();
        foreach (var p in new[] { player, excluded })
        {
            setup.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"reg-{{{p}}}","source":"/pam","type":"player.registered","subject":"{{{p}}}","data":{"country":"MT","currency":"EUR","market":"MT"}}""").Append('\n');
        }
        setup.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"rg-{{{excluded}}}","source":"/pam","type":"player.rg","subject":"{{{excluded}}}","data":{"kind":"self_exclusion","until":"2099-01-01T00:00:00Z"}}""").Append('\n');
        var posted = await ingestion.PostAsync("/v1/events", new StringContent(setup.ToString(), Encoding.UTF8, "application/x-ndjson"), ct);
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(ct));

        using var silent = new SilentServer();
        await using var lobby = backend.StartLobby(new Dictionary<string, string?>
        {
            ["Lobby:IntelligenceUrl"] = silent.Url.ToString(),
            ["Lobby:IntelligenceTimeout"] = Budget.ToString("c", CultureInfo.InvariantCulture),
        });

        foreach (var (who, expected) in new[] { (player, (string[])[everywhere]), (excluded, []) })
        {
            await using var client = await HubClient.ConnectAsync(lobby, who, ct);
            await client.WaitForAsync(LobbyHub.ConnectedReason, TimeSpan.FromSeconds(60), ct);
            foreach (var game in new[] { everywhere, deOnly })
            {
                var id = Guid.NewGuid().ToString("N");
                var bet = $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/wallet","type":"wallet.bet","subject":"{{{who}}}","data":{"transactionId":"tx-{{{id}}}","roundId":"r-{{{id}}}","gameId":"{{{game}}}","amount":1.5,"currency":"EUR"}}""";
                var started = Stopwatch.StartNew();
                var accepted = await ingestion.PostAsync("/v1/events", new StringContent(bet, Encoding.UTF8, "application/cloudevents+json"), ct);
                Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync(ct));
                var pushed = await client.WaitForAsync("wallet.bet", TimeSpan.FromSeconds(60), ct);
                TestContext.Current.TestOutputHelper?.WriteLine($"{who}, bet on {game}: pushed after {started.ElapsedMilliseconds} ms (wait for Intelligence {Budget.TotalMilliseconds} ms)");

                // Only the profile's row: the recommendation rows need Intelligence, and nothing else stands in for them.
                var continuePlaying = pushed.Rows.SingleOrDefault(r => r.List == RowBuilder.ContinuePlayingList)?.Items.Select(i => i.GameId).ToList() ?? [];
                Assert.All(pushed.Rows, r => Assert.Equal(RowBuilder.ContinuePlayingList, r.List));
                Assert.Equal(expected, continuePlaying);
            }
        }
        Assert.True(silent.Connections > 0, "the lobby never called the silent Intelligence");
    }

    /// <summary>A TCP server on 127.0.0.1 that accepts every connection, reads what it is sent, and never answers.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _held = [];
        private int _connections;

        public SilentServer()
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _ = AcceptAsync();
        }

        public Uri Url { get; }

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    lock (_held) _held.Add(client);
                    _ = DrainAsync(client);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
        }

        private async Task DrainAsync(TcpClient client)
        {
            var buffer = new byte[4096];
            try
            {
                while (await client.GetStream().ReadAsync(buffer, _stop.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
            {
                foreach (var c in _held) c.Dispose();
            }
            _stop.Dispose();
        }
    }
}
