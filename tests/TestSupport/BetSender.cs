using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TestSupport;

/// <summary>
/// A sender of wallet bets as an operator's wallet would be: batches of bets (1.00 EUR each, every one with its own
/// transaction id) for random players, posted as NDJSON to <c>POST /v1/events</c> round-robin over one or more Ingestion
/// instances, each batch resent (to the next instance) until it is acknowledged with a 2xx. Now and then it sends an
/// acknowledged batch again, as a sender that missed the answer would. It counts, per player, the bets acknowledged,
/// which is what the store must show exactly.
/// </summary>
public sealed class BetSender(IReadOnlyList<HttpClient> ingestions, IReadOnlyList<string> players, int seed, int batchSize = 40)
{
    private readonly Dictionary<string, int> _acknowledged = players.ToDictionary(p => p, _ => 0, StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly Random _random = new(seed);
    private readonly string _run = seed.ToString(CultureInfo.InvariantCulture);
    private long _next;
    private int _turn;
    private string? _lastAcknowledged;

    /// <summary>Bets acknowledged per player.</summary>
    public IReadOnlyDictionary<string, int> Acknowledged
    {
        get { lock (_acknowledged) return new Dictionary<string, int>(_acknowledged, StringComparer.Ordinal); }
    }

    public long Batches { get; private set; }

    /// <summary>Requests that were not acknowledged (an error status or no answer) and were resent.</summary>
    public long Failed { get; private set; }

    /// <summary>Acknowledged batches sent again on purpose; their events must count as duplicates.</summary>
    public long Resent { get; private set; }

    /// <summary>The first few reasons requests were not acknowledged, for test output.</summary>
    public IReadOnlyList<string> FailureReasons
    {
        get { lock (_failures) return [.. _failures]; }
    }

    /// <summary>Optional pacing between batches.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.Zero;

    /// <summary>How long one batch may keep failing before the stream gives up (and the test fails).</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Only these players from now on (null: all), e.g. to load the players of one master.</summary>
    public Func<string, bool>? Only { get; set; }

    /// <summary>
    /// Sends batches until <paramref name="stop"/> is cancelled; the batch in flight then is still sent until it is
    /// acknowledged, so when this returns every bet made was acknowledged.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_lastAcknowledged is { } again && _random.Next(10) == 0)
            {
                await SendUntilAcknowledgedAsync(again, null);
                Resent++;
            }
            var (body, bets) = NextBatch();
            await SendUntilAcknowledgedAsync(body, bets);
            _lastAcknowledged = body;
            Batches++;
            if (Pause > TimeSpan.Zero)
            {
                try { await Task.Delay(Pause, stop); }
                catch (OperationCanceledException) { }
            }
        }
    }

    private (string Body, List<string> Players) NextBatch()
    {
        var candidates = Only is { } only ? players.Where(only).ToList() : players;
        var body = new StringBuilder();
        var bets = new List<string>(batchSize);
        for (var i = 0; i < batchSize; i++)
        {
            var player = candidates[_random.Next(candidates.Count)];
            var tx = $"tx-{_run}-{_next++}";
            body.Append(CultureInfo.InvariantCulture,
                $$$"""{"specversion":"1.0","id":"{{{tx}}}","source":"/bet-sender","type":"wallet.bet","subject":"{{{player}}}","data":{"transactionId":"{{{tx}}}","roundId":"r-{{{tx}}}","gameId":"g-load","amount":1.00,"currency":"EUR"}}""");
            body.Append('\n');
            bets.Add(player);
        }
        return (body.ToString(), bets);
    }

    private async Task SendUntilAcknowledgedAsync(string body, List<string>? bets)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var client = ingestions[_turn++ % ingestions.Count];
            try
            {
                using var content = new StringContent(body, Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), content);
                if (response.IsSuccessStatusCode)
                {
                    using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    if (result.RootElement.GetProperty("rejected").GetArrayLength() > 0)
                    {
                        throw new InvalidOperationException($"bets were rejected: {result.RootElement.GetRawText()}");
                    }
                    if (bets is not null)
                    {
                        lock (_acknowledged)
                        {
                            foreach (var p in bets) _acknowledged[p]++;
                        }
                    }
                    return;
                }
                Fail($"{(int)response.StatusCode} from {client.BaseAddress}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Fail($"{e.GetType().Name} from {client.BaseAddress}: {e.Message}");
            }
            if (DateTime.UtcNow - started > GiveUpAfter)
            {
                throw new TimeoutException($"a batch was not acknowledged within {GiveUpAfter.TotalSeconds:0} s; last failures:\n{string.Join('\n', FailureReasons.TakeLast(5))}");
            }
            await Task.Delay(50);
        }
    }

    private void Fail(string reason)
    {
        Failed++;
        lock (_failures)
        {
            if (_failures.Count < 50) _failures.Add(reason);
        }
    }
}
