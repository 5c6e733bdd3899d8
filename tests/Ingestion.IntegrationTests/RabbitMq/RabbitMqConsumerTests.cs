using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ingestion.Connectors.RabbitMq;
using Ingestion.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.RabbitMq;

/// <summary>
/// The RabbitMQ consumer against a real broker (Debian's rabbitmq-server, started by the test on free ports) and a real
/// Redis: every message folded exactly once, acknowledged only once folded, poison dead-lettered with its reason.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RabbitMqConsumerTests(StoreServers servers, RabbitMqServer broker) : IClassFixture<RabbitMqServer>
{
    private static readonly DateTimeOffset Time = DateTimeOffset.Parse("2026-11-23T10:15:02Z", CultureInfo.InvariantCulture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Bet(string id, string player, decimal amount) =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/wallet","type":"wallet.bet","time":"2026-11-23T10:15:02Z","subject":"{{{player}}}","data":{"transactionId":"tx-{{{id}}}","roundId":"r-1","gameId":"g-starburst","amount":{{{amount.ToString(CultureInfo.InvariantCulture)}}},"currency":"EUR"}}""";

    private async Task<(IngestionApp App, string Queue)> StartAsync(int consumers = 1, int prefetch = 10, Func<IChannel, string, Task>? beforeStart = null)
    {
        var queue = "q-" + Guid.NewGuid().ToString("n")[..12];
        await using (var connection = await broker.ConnectAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            if (beforeStart is not null) await beforeStart(channel, queue);
        }
        var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis), new Dictionary<string, string?>
        {
            ["RabbitMq:Enabled"] = "true",
            ["RabbitMq:Uri"] = broker.Uri.ToString(),
            ["RabbitMq:Queue"] = queue,
            ["RabbitMq:Consumers"] = consumers.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:Prefetch"] = prefetch.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:RetryDelay"] = "00:00:00.100",
        });
        _ = app.Services; // starts the host, and with it the consumer
        return (app, queue);
    }

    private static async Task PublishAsync(IChannel channel, string queue, string body, string? type = null, string? contentType = null) =>
        await channel.BasicPublishAsync("", queue, mandatory: false,
            new BasicProperties { Type = type, ContentType = contentType, Persistent = true }, Encoding.UTF8.GetBytes(body), Ct);

    private async Task PublishAsync(string queue, params (string Body, string? Type, string? ContentType)[] messages)
    {
        await using var connection = await broker.ConnectAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        foreach (var (body, type, contentType) in messages) await PublishAsync(channel, queue, body, type, contentType);
    }

    private static async Task<PlayerProfileTotals?> TotalsAsync(IngestionApp app, string player)
    {
        var profile = await new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, new FrozenClock(Time.AddDays(1)))
            .ReadAsync(player, _ => null);
        return profile is null ? null : new(profile.Lifetime.BetCount, profile.Lifetime.StakeAmount, profile.Lifetime.DepositAmount);
    }

    private sealed record PlayerProfileTotals(long Bets, decimal Stake, decimal Deposits);

    /// <summary>Waits for something the consumer does in the background; the limit only stops a broken test from hanging.</summary>
    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) => EventuallyAsync(condition, () => what);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"not within 60 s: {what()}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Messages left on the queue, ready or (once no consumer holds them) handed back unacknowledged.</summary>
    private async Task<uint> MessagesOnAsync(string queue)
    {
        await using var connection = await broker.ConnectAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        return (await channel.QueueDeclarePassiveAsync(queue, Ct)).MessageCount;
    }

    /// <summary>Nothing ready and nothing delivered but unacknowledged.</summary>
    private async Task<bool> DrainedAsync(string queue) => await MessagesOnAsync(queue) == 0 && await broker.UnacknowledgedAsync(queue, Ct) == 0;

    [Fact]
    public async Task CanonicalMessages_SingleBatchAndNdJson_AreFoldedExactlyOnce_AndAllAcknowledged()
    {
        var (app, queue) = await StartAsync(consumers: 3, prefetch: 5);
        var bets = Enumerable.Range(0, 30).Select(i => (Id: $"b-{i}", Player: $"rq-{i % 3}", Amount: (decimal)(i % 5 + 1))).ToList();
        var messages = new List<(string, string?, string?)>();
        messages.AddRange(bets.Take(10).Select(b => (Bet(b.Id, b.Player, b.Amount), (string?)null, (string?)"application/cloudevents+json")));
        messages.Add(("[" + string.Join(',', bets.Skip(10).Select(b => Bet(b.Id, b.Player, b.Amount))) + "]", null, "application/cloudevents-batch+json"));
        // Sent again, as a publisher that never saw its confirm would: each must count once.
        messages.AddRange(bets.Take(5).Select(b => (Bet(b.Id, b.Player, b.Amount), (string?)null, (string?)null)));
        messages.Add((string.Join('\n', bets.Skip(20).Select(b => Bet(b.Id, b.Player, b.Amount))), null, "application/x-ndjson"));

        await using (app)
        {
            await EventuallyAsync(async () =>
            {
                await using var connection = await broker.ConnectAsync(Ct);
                await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
                return (await channel.QueueDeclarePassiveAsync(queue, Ct)).ConsumerCount == 3;
            }, "three consumers on the queue");
            await PublishAsync(queue, [.. messages]);

            foreach (var player in bets.GroupBy(b => b.Player))
            {
                var expected = new PlayerProfileTotals(player.Count(), player.Sum(b => b.Amount), 0);
                await EventuallyAsync(async () => await TotalsAsync(app, player.Key) == expected, $"{player.Key} folded to {expected}");
            }
            await EventuallyAsync(() => DrainedAsync(queue), "every message acknowledged");
        }

        // With the consumer gone, anything it took and did not acknowledge would be back on the queue.
        Assert.Equal(0u, await MessagesOnAsync(queue));
    }

    [Fact]
    public async Task MessageRedeliveredAfterItWasFolded_CountsOnce_AndIsAcknowledged()
    {
        // A consumer takes the message, folds it, and dies before its ack: here the test is that consumer. It holds the
        // delivery unacknowledged on its own channel while the event is folded (through the HTTP door, as a fold), then
        // closes the channel, and the broker redelivers the message to Ingestion's consumer.
        var first = Bet("redelivered-1", "rq-redelivered", 7m);
        await using var holder = await broker.ConnectAsync(Ct);
        var held = await holder.CreateChannelAsync(cancellationToken: Ct);
        var (app, queue) = await StartAsync(beforeStart: async (channel, q) =>
        {
            await PublishAsync(channel, q, first);
            // Publishing is asynchronous: the message is on the queue a moment later.
            BasicGetResult? got = null;
            await EventuallyAsync(async () => (got = await held.BasicGetAsync(q, autoAck: false, Ct)) is not null, "the message taken");
            Assert.False(got!.Redelivered);
        });
        await using (app)
        {
            var folded = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events",
                new StringContent(first, Encoding.UTF8, "application/cloudevents+json"), Ct);
            Assert.True(folded.IsSuccessStatusCode);
            Assert.Equal(new PlayerProfileTotals(1, 7m, 0), await TotalsAsync(app, "rq-redelivered"));

            await held.CloseAsync(Ct);
            // One consumer takes messages in queue order and the redelivered one goes back to the head: once the marker
            // published after it is folded, the redelivery has been handled.
            await PublishAsync(queue, (Bet("marker-1", "rq-marker", 1m), null, null));
            await EventuallyAsync(async () => await TotalsAsync(app, "rq-marker") is not null, "the marker folded");

            Assert.Equal(new PlayerProfileTotals(1, 7m, 0), await TotalsAsync(app, "rq-redelivered"));
            await EventuallyAsync(() => DrainedAsync(queue), "every message acknowledged");
        }
        Assert.Equal(0u, await MessagesOnAsync(queue));
    }

    [Fact]
    public async Task IngestionKilledMidMessage_LeavesItUnacknowledged_AndTheRestartFoldsItExactly()
    {
        // The built Ingestion.dll as a process, killed (no shutdown) while it is folding one large message: the broker
        // still holds the message, hands it to the restarted process, and the profiles come out exact.
        const string apiKey = "rabbitmq-crash-key";
        string[] players = ["rc-1", "rc-2", "rc-3"];
        var history = WalletHistory.Generate(new Random(17), players, 7_000);
        var redis = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix();
        var queue = "q-crash-" + Guid.NewGuid().ToString("n")[..8];
        await using (var connection = await broker.ConnectAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        }
        var settings = new Dictionary<string, string>
        {
            ["Store__KeyPrefix"] = prefix,
            // Small script calls make the message take long enough to be caught half folded.
            ["Ingestion__EventsPerCall"] = "1",
            ["RabbitMq__Enabled"] = "true",
            ["RabbitMq__Uri"] = broker.Uri.ToString(),
            ["RabbitMq__Queue"] = queue,
        };
        using var watch = await ConnectionMultiplexer.ConnectAsync(redis);
        var keys = new StoreKeys(prefix);

        using (var doomed = await ServiceProcess.StartIngestionAsync(redis, apiKey, settings, Ct))
        {
            // Published once the consumer is up, so the test sees the fold start rather than finding it done.
            await PublishAsync(queue,
                (string.Join('\n', history.Select(e => e.ToJson())), null, "application/x-ndjson"),
                // Folded after the large message by the one consumer, so its effect says the large one is done.
                (Bet("crash-marker", "rc-marker", 1m), null, null));
            var started = Stopwatch.StartNew();
            while (!await watch.GetDatabase().KeyExistsAsync(keys.Ledger(players[0])))
            {
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "folding did not start within 60 s");
                await Task.Yield();
            }
            doomed.Kill();
        }
        // The connection died with the process: both messages, unacknowledged, are back on the queue.
        uint back = 0;
        await EventuallyAsync(async () => (back = await MessagesOnAsync(queue)) == 2, () => $"both messages back on the queue (not {back})");

        using (var restarted = await ServiceProcess.StartIngestionAsync(redis, apiKey, settings, Ct))
        {
            await EventuallyAsync(async () => await watch.GetDatabase().KeyExistsAsync(keys.Profile("rc-marker")), "the marker folded");
            restarted.Kill();
        }
        var now = WalletHistory.Start.AddDays(1).AddHours(23);
        foreach (var player in players) await ExactnessTests.AssertReferenceAsync(watch, keys, history, player, now, "after the restart");
        // The large message was acknowledged before the marker was taken (the marker's own ack may have died with the process).
        await using var inspect = await broker.ConnectAsync(Ct);
        await using var left = await inspect.CreateChannelAsync(cancellationToken: Ct);
        while (await left.BasicGetAsync(queue, autoAck: true, Ct) is { } message)
        {
            Assert.Contains("crash-marker", Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StoreDown_TheMessageIsHandedBackToTheBroker_AndFoldedOnceTheStoreIsBack()
    {
        await using var redis = await RedisServer.StartAsync(RedisPersistence.None, Ct);
        var queue = "q-down-" + Guid.NewGuid().ToString("n")[..8];
        await using (var connection = await broker.ConnectAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        }
        var logs = new LogRecorder();
        await using var app = new IngestionApp(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["RabbitMq:Enabled"] = "true",
            ["RabbitMq:Uri"] = broker.Uri.ToString(),
            ["RabbitMq:Queue"] = queue,
            ["RabbitMq:RetryDelay"] = "00:00:00.100",
        }) { Logs = logs };
        _ = app.Services;
        await EventuallyAsync(async () =>
        {
            await using var connection = await broker.ConnectAsync(Ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
            return (await channel.QueueDeclarePassiveAsync(queue, Ct)).ConsumerCount == 1;
        }, "the consumer on the queue");

        redis.Kill();
        await PublishAsync(queue, (Bet("store-down-1", "rq-down", 5m), null, null));
        await EventuallyAsync(() => Task.FromResult(logs.Entries.Any(e => e.Message.StartsWith("RabbitMQ message handed back", StringComparison.Ordinal))),
            "the message handed back while the store is down");
        await redis.RestartAsync(Ct);

        await EventuallyAsync(async () =>
        {
            try
            {
                return await TotalsAsync(app, "rq-down") is not null;
            }
            catch (RedisConnectionException)
            {
                return false; // the test's own read, before the connection is back
            }
        }, "the message folded once the store is back");
        Assert.Equal(new PlayerProfileTotals(1, 5m, 0), await TotalsAsync(app, "rq-down"));
        Assert.Empty(await app.Services.GetRequiredService<DeadLetterStore>().FindAsync(null, 10));
    }

    [Fact]
    public async Task PoisonMessages_AreDeadLetteredWithTheReason_AndDoNotBlockTheQueue()
    {
        var (app, queue) = await StartAsync();
        await using (app)
        {
            await PublishAsync(queue,
                ("{\"specversion\":", null, null),
                (Bet("bad-amount", "rq-poison", -1m), null, null),
                ("{}", "BONUS_V9", null),
                ("""{"activity_id":"a-1","amount":"lots","type":"Bet","user_id":"rq-ft","currency":"EUR","game_id":"1","timestamp":"2026-11-23T10:15:02Z"}""", "CASINO", null),
                (Bet("after-poison", "rq-poison", 3m), null, null));

            await EventuallyAsync(async () => await TotalsAsync(app, "rq-poison") is not null, "the good message after the poison folded");
            Assert.Equal(new PlayerProfileTotals(1, 3m, 0), await TotalsAsync(app, "rq-poison"));

            var letters = app.Services.GetRequiredService<DeadLetterStore>();
            var ours = (await letters.FindAsync(RabbitMqConsumer.Feed, 10)).Select(l => l.Reason).ToList();
            Assert.Equal(3, ours.Count);
            Assert.Contains(ours, r => r.StartsWith("body: not valid JSON", StringComparison.Ordinal));
            Assert.Contains("field data.amount: must be > 0", ours);
            Assert.Contains(ours, r => r.StartsWith("property type: 'BONUS_V9' is not a message this connector reads", StringComparison.Ordinal));
            var fastTrack = Assert.Single(await letters.FindAsync("fasttrack", 10));
            Assert.StartsWith("casino: field amount", fastTrack.Reason, StringComparison.Ordinal);
            Assert.Contains("\"activity_id\":\"a-1\"", fastTrack.Payload, StringComparison.Ordinal);
            await EventuallyAsync(() => DrainedAsync(queue), "every message acknowledged");
        }
        Assert.Equal(0u, await MessagesOnAsync(queue));
    }

    [Fact]
    public async Task FastTrackMessages_ByTheirTypeProperty_AreFoldedAsTheHttpFeedFoldsThem()
    {
        var (app, queue) = await StartAsync();
        await using (app)
        {
            await PublishAsync(queue,
                ("""{"activity_id":"ft-1","amount":4,"bonus_wager_amount":0,"currency":"EUR","exchange_rate":1,"game_id":"10911","is_round_end":false,"origin":"sub.example.com","round_id":"r-1","status":"Approved","timestamp":"2026-11-23T10:15:02Z","type":"Bet","user_id":"rq-ft-1","vendor_id":"1"}""", "CASINO", null),
                ("""{"amount":25,"currency":"EUR","exchange_rate":1,"fee_amount":0,"origin":"sub.example.com","payment_id":"pay-1","status":"Approved","timestamp":"2026-11-23T10:15:02Z","type":"Credit","user_id":"rq-ft-1","vendor_id":"562"}""", "PAYMENT", null),
                // The same casino message again: Fast Track's ids make it a duplicate.
                ("""{"activity_id":"ft-1","amount":4,"bonus_wager_amount":0,"currency":"EUR","exchange_rate":1,"game_id":"10911","is_round_end":false,"origin":"sub.example.com","round_id":"r-1","status":"Approved","timestamp":"2026-11-23T10:15:02Z","type":"Bet","user_id":"rq-ft-1","vendor_id":"1"}""", "CASINO", null));

            await EventuallyAsync(async () => await TotalsAsync(app, "rq-ft-1") is { Deposits: 25m }, "the payment folded");
            await EventuallyAsync(() => DrainedAsync(queue), "every message acknowledged");
            Assert.Equal(new PlayerProfileTotals(1, 4m, 25m), await TotalsAsync(app, "rq-ft-1"));
        }
    }

    [Fact]
    public async Task EnabledWithoutAQueue_FailsAtStart_NamingTheSetting()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis), new Dictionary<string, string?>
        {
            ["RabbitMq:Enabled"] = "true",
            ["RabbitMq:Uri"] = broker.Uri.ToString(),
            ["RabbitMq:Prefetch"] = "0",
        });

        var e = Assert.Throws<OptionsValidationException>(() => app.Services);

        Assert.Contains("RabbitMq:Queue must name the queue to consume", e.Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMq:Prefetch must be from 1 to 65535", e.Message, StringComparison.Ordinal);
    }
}
