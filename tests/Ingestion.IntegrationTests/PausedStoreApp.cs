using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// An Ingestion on a redis-server of its own whose writes a test can hold (<c>CLIENT PAUSE WRITE</c>): the request
/// inside then keeps its place at the door and its round with the store while the test sends others. One warm-up bet is
/// applied before the test starts, so the first timed request meets no cold path.
/// </summary>
internal sealed class PausedStoreApp : IAsyncDisposable
{
    public static readonly DateTimeOffset T = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly RedisServer _redis;

    private PausedStoreApp(RedisServer redis, ConnectionMultiplexer admin, IngestionApp app)
    {
        _redis = redis;
        Admin = admin;
        App = app;
        Client = app.ClientWithKey(IngestionApp.WalletKey);
    }

    public ConnectionMultiplexer Admin { get; }

    public IngestionApp App { get; }

    public HttpClient Client { get; }

    public IServer Store => Admin.GetServers()[0];

    public static async Task<PausedStoreApp> StartAsync(IDictionary<string, string?> settings, string warmPlayer = "p-overload")
    {
        var redis = await RedisServer.StartAsync();
        var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var app = new IngestionApp(redis.ConnectionString, settings) { Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)) };
        var started = new PausedStoreApp(redis, admin, app);
        using var warm = await started.PostAsync(Bet("warm", warmPlayer));
        warm.EnsureSuccessStatusCode();
        return started;
    }

    public static StringContent Bet(string id, string player = "p-overload", decimal amount = 2) =>
        new(new GenEvent("wallet.bet", id, player, T, Tx: "tx-" + id, Game: "g", Amount: amount).ToJson(), Encoding.UTF8, "application/cloudevents+json");

    public Task<HttpResponseMessage> PostAsync(StringContent body) =>
        Client.PostAsync(new Uri("/v1/events", UriKind.Relative), body, TestContext.Current.CancellationToken);

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();

    /// <summary>Holds every write for <paramref name="milliseconds"/> at most (until <see cref="ResumeAsync"/>).</summary>
    public Task PauseWritesAsync(int milliseconds = 20_000) => Store.ExecuteAsync("CLIENT", "PAUSE", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "WRITE");

    public Task ResumeAsync() => Store.ExecuteAsync("CLIENT", "UNPAUSE");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        Admin.Dispose();
        await _redis.DisposeAsync();
    }
}
