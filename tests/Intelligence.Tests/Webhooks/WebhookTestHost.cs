using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ingestion;
using Ingestion.Adapters;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Intelligence.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Tests.Webhooks;

/// <summary>
/// Intelligence in-process on a real store, with webhook retries shrunk to milliseconds, an admin client, players
/// seeded through Ingestion's own pipeline, and the webhook metrics of this host (not of others running in parallel).
/// </summary>
public sealed class WebhookTestHost : IAsyncDisposable
{
    public const string Secret = "a-long-enough-crm-secret";

    private readonly MeterListener _listener;
    private readonly ConcurrentQueue<(object? Scope, string Name, long Value, Dictionary<string, string?> Tags)> _measurements = new();
    private readonly IMeterFactory _meters;
    private int _disposed;

    private WebhookTestHost(IntelligenceApp app)
    {
        // Listening before the host starts: its worker may deliver at once. Hosts in parallel tests are told apart by
        // the meter factory (a meter's scope) they own.
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WebhookMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var t = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags) t[tag.Key] = tag.Value?.ToString();
            _measurements.Enqueue((instrument.Meter.Scope, instrument.Name, value, t));
        });
        _listener.Start();
        App = app;
        Admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        _meters = app.Services.GetRequiredService<IMeterFactory>();
    }

    public IntelligenceApp App { get; }

    public HttpClient Admin { get; }

    public IWebhookPublisher Publisher => App.Services.GetRequiredService<IWebhookPublisher>();

    public static readonly MarketingStatus Marketable = new(true, [], ["email"]);

    /// <param name="settings">Overrides of the fast defaults (keys under <c>Webhooks:</c>).</param>
    /// <param name="prefix">The key prefix of an earlier host, to start "the same deployment" again; else a fresh one.</param>
    public static WebhookTestHost Start(string redis, IDictionary<string, string?>? settings = null, string? prefix = null,
        [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var all = new Dictionary<string, string?>
        {
            ["Webhooks:MaxAttempts"] = "4",
            ["Webhooks:InitialDelay"] = "00:00:00.010",
            ["Webhooks:MaxDelay"] = "00:00:00.040",
            ["Webhooks:PollInterval"] = "00:00:00.010",
            ["Webhooks:Timeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        // Building the services starts the host, the delivery worker with it.
        return new WebhookTestHost(new IntelligenceApp(redis, prefix ?? TestSupport.TestKeys.Prefix(test), all));
    }

    /// <summary>Registers a webhook through the API and returns its id.</summary>
    public async Task<string> RegisterAsync(string url, params string[] events)
    {
        var response = await Admin.PostAsJsonAsync(new Uri("/v1/webhooks", UriKind.Relative), new { url, events, secret = Secret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Gives the player a profile, through Ingestion's parser and fold: consent to email or not, self-excluded or not.</summary>
    public async Task SeedPlayerAsync(string playerId, bool emailConsent = true, bool selfExcluded = false, string? kyc = null, string? aml = null)
    {
        var redis = App.Services.GetRequiredService<IConnectionMultiplexer>();
        var clock = TimeProvider.System;
        var metrics = new IngestionMetrics(App.Services.GetRequiredService<IMeterFactory>());
        var fold = new FoldOptions();
        var ingestor = new EventIngestor(new EventParser(fold, "EUR", clock), new ProfileWriter(redis, App.Keys, clock, metrics),
            Options.Create(fold), metrics, new DeadLetterStore(redis, App.Keys, clock));
        var now = clock.GetUtcNow();
        List<JsonElement> events = [CanonicalEvent.Consent($"consent-{playerId}-{Guid.NewGuid():n}", "/tests", now, playerId, new ConsentChanged("email", emailConsent))];
        if (selfExcluded)
        {
            events.Add(CanonicalEvent.Rg($"rg-{playerId}-{Guid.NewGuid():n}", "/tests", now, playerId, new RgChanged("self_exclusion", now.AddDays(180))));
        }
        if (kyc is not null) events.Add(CanonicalEvent.Kyc($"kyc-{playerId}-{Guid.NewGuid():n}", "/tests", now, playerId, new KycVerdict(kyc, "sumsub")));
        if (aml is not null) events.Add(CanonicalEvent.Aml($"aml-{playerId}-{Guid.NewGuid():n}", "/tests", now, playerId, new AmlVerdict(aml, "aml-vendor")));
        var result = await ingestor.IngestFromFeedAsync("tests", events);
        Assert.Equal(events.Count, result.Accepted);
    }

    /// <summary>The player's marketing status as the scorer computes it: the shared policy over the stored profile.</summary>
    public async Task<MarketingStatus> MarketingOfAsync(string playerId)
    {
        var profile = await App.Services.GetRequiredService<ProfileReader>().ReadAsync(playerId, _ => null);
        Assert.NotNull(profile);
        return MarketingPolicy.Evaluate(profile, TimeProvider.System.GetUtcNow());
    }

    public Task<long> OutboxDepthAsync() => App.Db.SortedSetLengthAsync(App.Keys.WebhookOutbox);

    /// <summary>Waits until no delivery is waiting, backing off or in flight: whatever was going to be sent has been.</summary>
    public Task OutboxDrainedAsync() => Poll.UntilAsync(async () => await OutboxDepthAsync() == 0, "an empty outbox");

    /// <summary>Sum of a counter's measurements whose tags include all of <paramref name="tags"/>.</summary>
    public long Counted(string instrument, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => ReferenceEquals(m.Scope, _meters) && m.Name == instrument && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Sum(m => m.Value);

    /// <summary>
    /// Waits for a counter to reach <paramref name="expected"/>: the worker counts just after it writes to the store,
    /// so a drained outbox can be seen a moment before the count.
    /// </summary>
    public Task CountReachesAsync(long expected, string instrument, params (string Key, string Value)[] tags) =>
        Poll.UntilAsync(() => Task.FromResult(Counted(instrument, tags) == expected),
            () => $"{instrument} to count {expected} (it counts {Counted(instrument, tags)})");

    public async Task<JsonElement> DeadLettersAsync() =>
        await Admin.GetFromJsonAsync<JsonElement>(new Uri("/v1/webhooks/deadletters", UriKind.Relative));

    /// <summary>Stops the host (and its worker); safe to call again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _listener.Dispose();
        Admin.Dispose();
        await App.DisposeAsync();
    }
}
