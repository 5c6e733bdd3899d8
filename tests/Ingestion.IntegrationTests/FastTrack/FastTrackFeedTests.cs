using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Ingestion.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.FastTrack;

/// <summary>
/// The Fast Track-compatible feed end to end: real HTTP into the service, a real Redis, and a real (fake) PAM over
/// Kestrel that can be switched down and up.
/// </summary>
public class FastTrackFeedTests(StoreServers servers)
{
    private const string Prefix = "/compat/fasttrack";

    /// <summary>A PAM client that fails fast and a worker that polls often (the store restart test uses it too).</summary>
    internal static readonly Dictionary<string, string?> FastPam = new()
    {
        ["Pam:Enabled"] = "true",
        ["Pam:ApiKey"] = FakePam.ApiKey,
        ["Pam:Timeout"] = "00:00:01",
        ["Pam:Retries"] = "0",
        ["Pam:SamplingDuration"] = "00:00:02",
        ["Pam:MinimumThroughput"] = "100",
        ["Pam:BreakDuration"] = "00:00:00.5",
        ["Pam:Backoff"] = "00:00:00.05",
        ["Pam:MaxBackoff"] = "00:00:00.2",
        ["Pam:PollInterval"] = "00:00:00.05",
        ["Pam:MaxAttempts"] = "1000",
        ["Pam:Lease"] = "00:00:30",
    };

    private async Task<IngestionApp> AppAsync(FakePam? pam = null, IDictionary<string, string?>? pamSettings = null)
    {
        var extra = new Dictionary<string, string?>(pamSettings ?? (pam is null ? new Dictionary<string, string?>() : FastPam));
        if (pam is not null) extra["Pam:BaseUrl"] = pam.BaseUrl;
        return new IngestionApp((await servers.RedisAsync()).ConnectionString, extra);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<IngestResult> ResultOf(HttpResponseMessage r)
    {
        Assert.True(r.IsSuccessStatusCode || r.StatusCode == HttpStatusCode.UnprocessableEntity, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;
    }

    private static Task<PlayerProfile?> ProfileAsync(IngestionApp app, string player) =>
        new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, TimeProvider.System).ReadAsync(player, _ => null);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), $"not within {seconds} s: {what}");
            await Task.Delay(50);
        }
    }

    private static string Casino(string activity, string type, decimal amount, string round = "r-1", string status = "Approved", string player = "52530") =>
        $$"""
        {"activity_id":"{{activity}}","amount":{{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"bonus_wager_amount":0,
         "currency":"EUR","exchange_rate":1,"game_id":"10911","game_name":"Dead or Alive","game_type":"Slots","is_round_end":{{(type == "Bet" ? "false" : "true")}},
         "origin":"sub.example.com","round_id":"{{round}}","status":"{{status}}","timestamp":"{{DateTimeOffset.UtcNow:O}}","type":"{{type}}",
         "user_id":"{{player}}","vendor_id":"1","vendor_name":"NetEnt"}
        """;

    private static string Payment(string id, string type, string status, decimal amount, string player = "7865312321") =>
        $$"""
        {"amount":{{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"currency":"EUR","exchange_rate":1,"fee_amount":0,
         "origin":"sub.example.com","payment_id":"{{id}}","status":"{{status}}","timestamp":"{{DateTimeOffset.UtcNow:O}}",
         "type":"{{type}}","user_id":"{{player}}","vendor_id":"562","vendor_name":"Skrill"}
        """;

    private static string Slim(string player, string extra = "") =>
        $$"""{"user_id":"{{player}}","timestamp":"{{DateTimeOffset.UtcNow:O}}","origin":"sub.example.com"{{extra}}}""";

    [Fact]
    public async Task CasinoBetsWinsAndLosses_FoldIntoTheProfile_AndAResentMessageCountsOnce()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);

        var bet = await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 2.5m))));
        var resent = await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 2.5m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-2", "Win", 4m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-3", "Bet", 1m, round: "r-2"))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-4", "Loss", 1m, round: "r-2"))));

        Assert.Equal(new IngestResult(1, 0, []), bet with { Rejected = [] });
        Assert.Equal(1, resent.Duplicates);
        var p = (await ProfileAsync(app, "52530"))!;
        Assert.Equal(2, p.Lifetime.BetCount);
        Assert.Equal(3.5m, p.Lifetime.StakeAmount);
        Assert.Equal(4m, p.Lifetime.WinAmount);
    }

    [Fact]
    public async Task CasinoRollback_CancelsTheBetWithTheSameActivityId_InEitherOrder()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);

        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 5m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 5m, status: "Rollback"))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-2", "Bet", 7m, status: "Rollback"))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-2", "Bet", 7m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-3", "Bet", 1m))));

        var p = (await ProfileAsync(app, "52530"))!;
        Assert.Equal(1, p.Lifetime.BetCount);
        Assert.Equal(1m, p.Lifetime.StakeAmount);
    }

    [Fact]
    public async Task PaymentCredit_IsADeposit_DebitAWithdrawal_AndRollbackCancelsAnApprovedOne()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);

        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("d-1", "Credit", "Requested", 50m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("d-1", "Credit", "Approved", 50m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("d-2", "Credit", "Approved", 20m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("d-2", "Credit", "Rollback", 20m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("w-1", "Debit", "Approved", 30m))));
        await ResultOf(await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("w-2", "Debit", "Rejected", 99m))));

        var p = (await ProfileAsync(app, "7865312321"))!;
        Assert.Equal(1, p.Lifetime.DepositCount);
        Assert.Equal(50m, p.Lifetime.DepositAmount);
        Assert.Equal(1, p.Lifetime.WithdrawalCount);
        Assert.Equal(30m, p.Lifetime.WithdrawalAmount);
    }

    [Fact]
    public async Task MalformedMessage_Is400ProblemJsonNamingTheFastTrackField_AndGoesToTheDeadLetterList()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var body = Casino("a-1", "Bet", 1m).Replace("\"amount\":1", "\"amount\":\"one\"", StringComparison.Ordinal);

        var r = await client.PostAsync($"{Prefix}/v1/integration/casino", Json(body));
        var missing = await client.PostAsync($"{Prefix}/v1/integration/payment", Json(Payment("d-1", "Credit", "Settled", 5m)));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("field amount: must be a number", problem.GetProperty("detail").GetString());
        Assert.Equal("amount", problem.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("field status: must be one of Requested, Approved, Rejected, Cancelled, Rollback",
            (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var letters = await app.Services.GetRequiredService<DeadLetterStore>().ListAsync();
        Assert.Contains(letters, l => l.Feed == "fasttrack" && l.Reason == "casino: field amount: must be a number" && l.Payload == body);
    }

    [Fact]
    public async Task WithoutAKeyWithTheEventsWriteScope_NothingIsAccepted()
    {
        await using var app = await AppAsync();

        var anonymous = await app.CreateClient().PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 1m)));
        var wrongScope = await app.ClientWithKey(IngestionApp.OpsKey).PostAsync($"{Prefix}/v1/integration/casino", Json(Casino("a-1", "Bet", 1m)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongScope.StatusCode);
        Assert.Null(await ProfileAsync(app, "52530"));
    }

    [Fact]
    public async Task WhileThePamIsDown_TheProfileUpdatesFromTheEvents_AndEnrichmentCatchesUpWhenItIsBack()
    {
        await using var pam = await FakePam.StartAsync();
        pam.Up = false;
        await using var app = await AppAsync(pam);
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var pending = app.Services.GetRequiredService<PamPendingSet>();
        const string player = "7865312321";

        await ResultOf(await client.PostAsync($"{Prefix}/v2/integration/user", Json(Slim(player))));
        await ResultOf(await client.PostAsync($"{Prefix}/v2/integration/login", Json(Slim(player, ",\"is_impersonated\":false,\"user_agent\":\"Mozilla/5.0 (Windows NT 10.0)\""))));
        await ResultOf(await client.PutAsync($"{Prefix}/v2/integration/user/blocks", Json(Slim(player, ",\"blocks\":[{\"active\":true,\"type\":\"Excluded\",\"note\":\"player asked\"}]"))));
        await ResultOf(await client.PutAsync($"{Prefix}/v2/integration/user/consents", Json(Slim(player, ",\"consents\":[{\"opted_in\":false,\"type\":\"email\"}]"))));

        // Applied from the messages alone, with the PAM down.
        var during = (await ProfileAsync(app, player))!;
        Assert.Equal(1, during.Lifetime.LoginCount);
        Assert.NotNull(during.Rg.SelfExcludedUntil);
        Assert.False(during.Consents["email"]);
        Assert.Null(during.Country);
        // The look-up was tried, failed, and the player is still waiting, as the gauge says.
        await EventuallyAsync(() => Task.FromResult(pam.Hits >= 2), "the worker tries the PAM while it is down");
        Assert.Equal(1, await pending.CountAsync());
        await EventuallyAsync(() => Task.FromResult(PendingGauge(app) == 1), "the pending gauge shows the waiting player");

        pam.Player(player,
            """
            {"user_id":"7865312321","country":"MT","currency":"EUR","market":"mt","birth_date":"1992-03-02","affiliate_reference":"AFF_1",
             "registration_code":"WELCOME","registration_date":"2026-01-02T03:04:05Z","verified_at":"2026-01-03T00:00:00Z","segmentation":{"vip_level":3},
             "is_blocked":false,"is_excluded":false,"roles":[],"language":"en","origin":"sub.example.com"}
            """,
            """
            {"consents":[{"opted_in":true,"type":"email"},{"opted_in":true,"type":"sms"},{"opted_in":false,"type":"telephone"},
             {"opted_in":true,"type":"postMail"},{"opted_in":true,"type":"siteNotification"},{"opted_in":false,"type":"pushNotification"}]}
            """,
            """{"blocks":[{"active":false,"type":"Excluded","note":""},{"active":false,"type":"Blocked","note":""}]}""");
        pam.Up = true;

        await EventuallyAsync(async () => await pending.CountAsync() == 0, "enrichment catches up once the PAM is back");
        var after = (await ProfileAsync(app, player))!;
        Assert.Equal("MT", after.Country);
        Assert.Equal("EUR", after.Currency);
        Assert.Equal("verified", after.KycStatus);
        Assert.Equal("3", after.VipTier);
        Assert.Equal("AFF_1", after.AffiliateId);
        Assert.Equal(DateTimeOffset.Parse("2026-01-02T03:04:05Z"), after.RegisteredAt);
        Assert.True(after.Consents["email"]);
        Assert.False(after.Consents["push"]);
        Assert.Null(after.Rg.SelfExcludedUntil);
        Assert.Equal(1, after.Lifetime.LoginCount);

        // A registered player's next login needs no look-up.
        await ResultOf(await client.PostAsync($"{Prefix}/v2/integration/login", Json(Slim(player))));
        Assert.Equal(0, await pending.CountAsync());
    }

    [Fact]
    public async Task APamThatKeepsFailing_OpensTheCircuit_AndThePlayerGoesToTheDeadLetterListWithTheReason()
    {
        await using var pam = await FakePam.StartAsync();
        pam.Up = false;
        var settings = new Dictionary<string, string?>(FastPam)
        {
            ["Pam:MinimumThroughput"] = "2",
            ["Pam:FailureRatio"] = "0.5",
            ["Pam:BreakDuration"] = "00:01:00",
            ["Pam:MaxAttempts"] = "5",
        };
        await using var app = await AppAsync(pam, settings);
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var deadLetters = app.Services.GetRequiredService<DeadLetterStore>();

        await ResultOf(await client.PostAsync($"{Prefix}/v2/integration/user", Json(Slim("p-77"))));

        await EventuallyAsync(async () => (await deadLetters.ListAsync()).Any(l => l.Feed == "pam"), "the job reaches the dead-letter list");
        var letter = (await deadLetters.ListAsync()).Single(l => l.Feed == "pam");
        Assert.Equal(5, letter.Attempts);
        Assert.StartsWith("PAM look-up of player p-77 failed 5 times; last: GET /userdetails/p-77 not sent: the PAM circuit is open", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("p-77", JsonDocument.Parse(letter.Payload).RootElement.GetProperty("playerId").GetString());
        // Two failures opened the circuit; the later attempts never reached the PAM.
        Assert.Equal(2, pam.Hits);
        Assert.Equal(0, await app.Services.GetRequiredService<PamPendingSet>().CountAsync());
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesEveryFastTrackEndpoint_WithFastTracksFieldNames()
    {
        await using var app = await AppAsync();

        var doc = await app.CreateClient().GetStringAsync("/openapi/v1.json");

        foreach (var path in new[] { "/v2/integration/user", "/v2/integration/login", "/v1/integration/payment", "/v1/integration/casino",
                     "/v1/integration/bonus", "/v2/integration/user/blocks", "/v2/integration/user/consents" })
        {
            Assert.Contains($"\"{Prefix}{path}\"", doc, StringComparison.Ordinal);
        }
        Assert.Contains("\"activity_id\"", doc, StringComparison.Ordinal);
        Assert.Contains("\"is_round_end\"", doc, StringComparison.Ordinal);
        Assert.Contains("Casino bet, win or loss (Fast Track format)", doc, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEnabledPamWithoutABaseUrl_FailsAtStartUp_NamingTheSetting()
    {
        await using var app = await AppAsync(pamSettings: new Dictionary<string, string?> { ["Pam:Enabled"] = "true" });

        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Pam:BaseUrl", e.ToString(), StringComparison.Ordinal);
    }

    private static long? PendingGauge(IngestionApp app)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        long? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "ingestion.pam.pending" && instrument.Meter.Scope == factory) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => value = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    [Fact]
    public async Task ABadlySignedMessage_RaisesTheFastTrackFeedsSignatureFailuresByOne_AndAWellSignedOneDoesNot()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.SignedKey);
        var body = Casino("a-s1", "Bet", 2.5m);
        HttpRequestMessage Signed(string signature) =>
            new(HttpMethod.Post, $"{Prefix}/v1/integration/casino") { Content = Json(body), Headers = { { "X-Signature", signature } } };
        var good = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(IngestionApp.SigningSecret), Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Signed(good))).StatusCode);
        Assert.Equal(0, await Operations.FeedsTests.SignatureFailuresAsync(app, Ingestion.Adapters.FastTrack.FastTrackMapper.Source));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signed("sha256=" + new string('0', 64)))).StatusCode);
        Assert.Equal(1, await Operations.FeedsTests.SignatureFailuresAsync(app, Ingestion.Adapters.FastTrack.FastTrackMapper.Source));
    }
}
