using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.Adapters.Hub88;
using Ingestion.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Ingestion.IntegrationTests.Operations.ReconciliationTests;

namespace Ingestion.IntegrationTests.Operations;

/// <summary>
/// <c>hub88-reconcile</c> against a stand-in for Hub88's Transactions API on 127.0.0.1: it checks our request's
/// signature with the operator's public key as Hub88 does, answers in the item shape of Hub88TransactionItem and signs
/// its answer with "Hub88's" key. Differences are planted on both sides; the report is asserted whole.
/// </summary>
public sealed class Hub88ProviderReconciliationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset From = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddDays(1);

    private readonly RSA _operatorKey = RSA.Create(2048);
    private readonly RSA _hub88Key = RSA.Create(2048);
    private readonly string _dir = Directory.CreateTempSubdirectory("hub88-reconcile-").FullName;
    private WebApplication? _standIn;
    private Uri _url = default!;
    private readonly List<string> _bodies = [];

    /// <summary>What the stand-in lists; <see cref="_signAnswer"/> false leaves the answer unsigned, a replacement signs it wrongly.</summary>
    private string _answer = "[]";
    private Func<byte[], string?> _signAnswer = default!;

    public async ValueTask InitializeAsync()
    {
        _signAnswer = body => Convert.ToBase64String(_hub88Key.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _standIn = builder.Build();
        _standIn.MapPost("/operator/generic/v2/transactions/list", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var signature = http.Request.Headers[Hub88Signature.Header].ToString();
            using var operatorPublic = RSA.Create();
            operatorPublic.ImportSubjectPublicKeyInfo(_operatorKey.ExportSubjectPublicKeyInfo(), out _);
            if (signature.Length == 0 || !operatorPublic.VerifyData(body, Convert.FromBase64String(signature), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return Results.Json(new { status = "RS_ERROR_INVALID_SIGNATURE" }, statusCode: StatusCodes.Status401Unauthorized);
            }
            _bodies.Add(Encoding.UTF8.GetString(body));
            var answer = Encoding.UTF8.GetBytes(_answer);
            if (_signAnswer(answer) is { } s) http.Response.Headers[Hub88Signature.Header] = s;
            return Results.Bytes(answer, "application/json");
        });
        await _standIn.StartAsync(TestContext.Current.CancellationToken);
        _url = new Uri(_standIn.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        await File.WriteAllTextAsync(Path.Combine(_dir, "operator.pem"), _operatorKey.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_dir, "hub88.pem"), _hub88Key.ExportSubjectPublicKeyInfoPem(), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_standIn is not null) await _standIn.DisposeAsync();
        _operatorKey.Dispose();
        _hub88Key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Item(string tx, string user, string round, long units, string currency = "EUR", string status = "TS_SUCCESS") =>
        $$"""{"transaction_uuid":"{{tx}}","status":"{{status}}","user":"{{user}}","round":"{{round}}","game_code":"g-1","currency":"{{currency}}","amount":{{units}}}""";

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] ourEvents)
    {
        var ours = Path.Combine(_dir, "ours.ndjson");
        await File.WriteAllLinesAsync(ours, ourEvents, TestContext.Current.CancellationToken);
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await Hub88ReconcileCommand.RunAsync(_url, 42, Path.Combine(_dir, "operator.pem"), Path.Combine(_dir, "hub88.pem"), From, To, [ours],
            output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task PlantedDifferences_AreReportedExactly_AndTheRangeIsAskedAsHub88Documents()
    {
        _answer = "[" + string.Join(",",
            Item("tx-agree", "p-1", "r-1", 250_000),                    // 2.50 EUR on both sides
            Item("tx-amount", "p-1", "r-1", 356_000),                   // 3.56 at Hub88, 3.50 ours
            Item("tx-who", "p-9", "r-x", 100_000),                      // another player and round at Hub88
            Item("tx-currency", "p-2", "r-2", 100_000, "USD"),          // USD at Hub88, EUR ours
            Item("tx-theirs", "p-3", "r-3", 150_000),                   // we never received it
            Item("tx-declined", "p-3", "r-3", 999_000, status: "TS_DECLINED")) + "]";   // moved no money: not compared

        var (exit, output, error) = await RunAsync(
            Bet("/hub88", "tx-agree", "r-1", From.AddHours(1), amount: 2.5m),
            Bet("/hub88", "tx-amount", "r-1", From.AddHours(1), amount: 3.5m),
            Bet("/hub88", "tx-who", "r-2", From.AddHours(2), amount: 1m, player: "p-1"),
            Bet("/hub88", "tx-currency", "r-2", From.AddHours(2), amount: 1m, player: "p-2"),
            Win("/hub88", "tx-ours", "r-4", From.AddHours(3), closes: true, amount: 2m, player: "p-4"),
            Bet("/hub88", "tx-yesterday", "r-0", From.AddSeconds(-1)),  // outside the range
            Bet("/other", "tx-elsewhere", "r-5", From.AddHours(4)),     // another source
            "");

        Assert.Equal("", error);
        Assert.Equal(Hub88ReconcileCommand.Differ, exit);
        Assert.Equal("""
            Hub88 reconciliation 2026-11-23T00:00:00Z to 2026-11-24T00:00:00Z: 5 at Hub88, 5 ours, 1 agree
            Only at Hub88 (1):
              tx-theirs  player p-3  round r-3  amount 1.50 EUR
            Only ours (1):
              tx-ours  player p-4  round r-4  amount 2.00 EUR
            Different (3):
              tx-amount  amount: Hub88 3.56 EUR, ours 3.50 EUR
              tx-currency  currency: Hub88 USD, ours EUR
              tx-who  player: Hub88 p-9, ours p-1; round: Hub88 r-x, ours r-2

            """.ReplaceLineEndings("\n"), output);
        var request = JsonDocument.Parse(Assert.Single(_bodies)).RootElement;
        Assert.Equal(42, request.GetProperty("operator_id").GetInt64());
        Assert.Equal("2026-11-23T00:00:00", request.GetProperty("start_time").GetString());
        Assert.Equal("2026-11-24T00:00:00", request.GetProperty("end_time").GetString());
    }

    [Fact]
    public async Task BothSidesAlike_IsInAgreement_ExitZero()
    {
        _answer = "[" + Item("tx-1", "p-1", "r-1", 250_000) + "]";

        var (exit, output, _) = await RunAsync(Bet("/hub88", "tx-1", "r-1", From.AddHours(1), amount: 2.5m));

        Assert.Equal(Hub88ReconcileCommand.Agree, exit);
        Assert.StartsWith("Hub88 reconciliation 2026-11-23T00:00:00Z to 2026-11-24T00:00:00Z: 1 at Hub88, 1 ours, 1 agree\nOnly at Hub88 (0):", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerSignedWithAnotherKey_IsRefused_NothingReported()
    {
        _answer = "[" + Item("tx-1", "p-1", "r-1", 250_000) + "]";
        using var impostor = RSA.Create(2048);
        _signAnswer = body => Convert.ToBase64String(impostor.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var (exit, output, error) = await RunAsync();

        Assert.Equal(Hub88ReconcileCommand.Failed, exit);
        Assert.Equal("", output);
        Assert.Contains("does not verify with Hub88's public key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestHub88Refuses_SaysWhatHub88Answered()
    {
        using var unknown = RSA.Create(2048);
        await File.WriteAllTextAsync(Path.Combine(_dir, "operator.pem"), unknown.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);

        var (exit, _, error) = await RunAsync();

        Assert.Equal(Hub88ReconcileCommand.Failed, exit);
        Assert.Contains("Hub88 answered 401 Unauthorized: {\"status\":\"RS_ERROR_INVALID_SIGNATURE\"}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALineOfOursThatIsNotJson_IsNamedByFileAndLine()
    {
        var (exit, _, error) = await RunAsync(Bet("/hub88", "tx-1", "r-1", From.AddHours(1)), "{not json");

        Assert.Equal(Hub88ReconcileCommand.Failed, exit);
        Assert.Contains("ours.ndjson: line 2: not a JSON CloudEvent", error, StringComparison.Ordinal);
        Assert.Empty(_bodies);
    }
}
