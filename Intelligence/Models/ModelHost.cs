using Intelligence.Features;
using Intelligence.Scoring;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Models;

/// <summary>
/// The models this instance serves: the registry's current version of each kind, loaded once and shared by every
/// request. A promotion or rollback anywhere is published on the store; this instance swaps the reference when it
/// hears it (and checks every <see cref="ScoringOptions.ModelCheckInterval"/> in case it missed a message).
/// </summary>
public sealed class ModelHost(ModelRegistry registry, IConnectionMultiplexer redis, StoreKeys keys, IOptions<ScoringOptions> options, ILogger<ModelHost> log)
    : BackgroundService
{
    private volatile Loaded<BinaryModel>? _churn;
    private volatile Loaded<BinaryModel>? _vip;
    private volatile Loaded<SegmentModel>? _segments;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public sealed record Loaded<T>(ModelCard Card, T Model);

    public Loaded<BinaryModel>? Churn => _churn;
    public Loaded<BinaryModel>? Vip => _vip;
    public Loaded<SegmentModel>? Segments => _segments;

    /// <summary>Raised after a kind's served version changed on this instance.</summary>
    public event Action<string>? Changed;

    public IReadOnlyDictionary<string, string> Versions()
    {
        var v = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (_churn is { } c) v[ModelKinds.Churn] = c.Card.Version;
        if (_vip is { } p) v[ModelKinds.Vip] = p.Card.Version;
        if (_segments is { } s) v[ModelKinds.Segments] = s.Card.Version;
        return v;
    }

    /// <summary>Loads the registry's current version of every kind that this instance does not serve yet.</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        foreach (var kind in ModelKinds.All) await RefreshAsync(kind, ct);
    }

    public async Task RefreshAsync(string kind, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var version = await registry.CurrentVersionAsync(kind);
            var served = kind switch { ModelKinds.Churn => _churn?.Card.Version, ModelKinds.Vip => _vip?.Card.Version, _ => _segments?.Card.Version };
            if (version is null || version == served) return;
            var card = await registry.CardAsync(kind, version);
            var bytes = await registry.ModelAsync(kind, version);
            if (card is null || bytes is null)
            {
                log.LogError("The {Kind} model {Version} is current but its card or model is missing from the store", kind, version);
                return;
            }
            switch (kind)
            {
                case ModelKinds.Churn: _churn = new(card, BinaryModel.Load(bytes, ChurnFeatures.Set)); break;
                case ModelKinds.Vip: _vip = new(card, BinaryModel.Load(bytes, VipFeatures.Set)); break;
                default: _segments = new(card, SegmentModel.Load(bytes, card.Segments ?? [])); break;
            }
            log.LogInformation("Serving {Kind} model {Version} (was {Previous})", kind, version, served ?? "none");
        }
        finally
        {
            _gate.Release();
        }
        Changed?.Invoke(kind);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(keys.ModelsChanged);
        queue.OnMessage(async m =>
        {
            try { await RefreshAsync(m.Message.ToString(), stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Could not load the {Kind} model", m.Message.ToString()); }
        });
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try { await RefreshAsync(stoppingToken); }
                catch (Exception e) when (e is RedisException or TimeoutException) { log.LogWarning(e, "Could not check the current models"); }
                await Task.Delay(options.Value.ModelCheckInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await queue.UnsubscribeAsync();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
