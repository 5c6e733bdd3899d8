using Shared.ServiceDefaults;
using Shared.Contracts;
using Intelligence.Features;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Models;

/// <summary>
/// The models this instance serves: the registry's current version of each kind, loaded once and shared by every
/// request. Churn and VIP are never without a scorer: until a version is promoted, their rule with its default curve. A promotion or rollback anywhere is published on the store; this instance swaps the reference when it
/// hears it (and checks every <see cref="ModelHostOptions.ModelCheckInterval"/> in case it missed a message).
/// </summary>
public sealed class ModelHost(ModelRegistry registry, IConnectionMultiplexer redis, StoreKeys keys, IOptions<ModelHostOptions> options, ILogger<ModelHost> log)
    : SupervisedService(log)
{
    private volatile ServedModels _served = ServedModels.None;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _unservable = new(StringComparer.Ordinal);

    public sealed record Loaded<T>(ModelCard Card, T Model);

    /// <summary>What scores churn or VIP: a trained model, or the kind's rule (never nothing).</summary>
    public sealed record Scorer(ModelCard Card, BinaryModel? Model, RuleModel? Rule)
    {
        public string Source => Model is null ? ModelSources.Rule : ModelSources.Model;

        /// <summary>The rule with its default curve, served until the first calibration or model is promoted.</summary>
        public static Scorer DefaultRule(string kind)
        {
            var rule = RuleDefinition.Default(kind);
            var card = new ModelCard(kind, $"{kind}{DefaultRuleSuffix}", DateTimeOffset.UnixEpoch, ModelStatus.Promoted, "rule", [rule.Feature],
                new ModelWindow(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [], [], "none: no labelled history yet"),
                new ModelEvaluation(0, 0, rule.Name, null, null, null),
                $"served until a training run has outcomes to learn from: the rule '{rule.Name}' with its {RuleModel.DefaultCurve}", 0,
                Source: ModelSources.Rule, Rule: rule.Name);
            return new Scorer(card, null, RuleModel.Default(kind));
        }

        /// <summary>
        /// The weighted-marker harm rule (<see cref="SaferGambling.HarmRule"/>), served as it is: no outcome calibration
        /// (its bands were set on its own probabilities), and no <see cref="Rule"/> (the scorer calls the harm rule itself).
        /// </summary>
        public static Scorer HarmRule(string decision = "served until a training run has enough harm outcomes (self-exclusions, closures, case outcomes) and a model beats the rule") =>
            new(new ModelCard(ModelKinds.Harm, SaferGambling.HarmRule.Version, DateTimeOffset.UnixEpoch, ModelStatus.Promoted, "rule", [SaferGambling.HarmFeatures.RuleFeature],
                new ModelWindow(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [], [], "none: the rule's weights are set by hand"),
                new ModelEvaluation(0, 0, SaferGambling.HarmRule.Description, null, null, null), decision, 0, Source: ModelSources.Rule, Rule: SaferGambling.HarmRule.Description),
                null, null);
    }

    /// <summary>
    /// Every model this instance serves, swapped as one reference: a caller that takes it once scores every part of a
    /// player with the same models and records exactly their versions, even while a promotion is being loaded.
    /// </summary>
    public sealed class ServedModels(Scorer churn, Scorer vip, Loaded<SegmentModel>? segments, Scorer? harm = null)
    {
        public static readonly ServedModels None = new(Scorer.DefaultRule(ModelKinds.Churn), Scorer.DefaultRule(ModelKinds.Vip), null);

        public Scorer Churn { get; } = churn;
        public Scorer Vip { get; } = vip;
        public Loaded<SegmentModel>? Segments { get; } = segments;

        /// <summary>A trained harm model, or the weighted-marker rule.</summary>
        public Scorer Harm { get; } = harm ?? Scorer.HarmRule();

        public IReadOnlyDictionary<string, string> Versions { get; } = VersionsOf(churn, vip, segments, harm ?? Scorer.HarmRule());

        private static SortedDictionary<string, string> VersionsOf(Scorer churn, Scorer vip, Loaded<SegmentModel>? segments, Scorer harm)
        {
            var v = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [ModelKinds.Churn] = churn.Card.Version,
                [ModelKinds.Vip] = vip.Card.Version,
                [ModelKinds.Harm] = harm.Card.Version,
            };
            if (segments is not null) v[ModelKinds.Segments] = segments.Card.Version;
            return v;
        }
    }

    public ServedModels Current => _served;
    public Scorer Churn => _served.Churn;
    public Scorer Vip => _served.Vip;
    public Loaded<SegmentModel>? Segments => _served.Segments;
    public Scorer Harm => _served.Harm;

    /// <summary>Raised after a kind's served version changed on this instance.</summary>
    public event Action<string>? Changed;

    public IReadOnlyDictionary<string, string> Versions() => _served.Versions;

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
            var current = _served;
            var served = kind switch
            {
                ModelKinds.Churn => current.Churn.Card.Version,
                ModelKinds.Vip => current.Vip.Card.Version,
                ModelKinds.Harm => current.Harm.Card.Version,
                _ => current.Segments?.Card.Version,
            };
            if (version is null || version == served || _unservable.Contains(version)) return;
            var card = await registry.CardAsync(kind, version);
            var bytes = await registry.ModelAsync(kind, version);
            if (card is null || bytes is null)
            {
                log.LogError("The {Kind} model {Version} is current but its card or model is missing from the store", kind, version);
                return;
            }
            // Loads happen under the gate, so the snapshot being replaced is the one read above.
            _served = kind switch
            {
                ModelKinds.Churn => new ServedModels(Load(card, bytes, ChurnFeatures.Set), current.Vip, current.Segments, current.Harm),
                ModelKinds.Vip => new ServedModels(current.Churn, Load(card, bytes, VipFeatures.Set), current.Segments, current.Harm),
                ModelKinds.Harm => new ServedModels(current.Churn, current.Vip, current.Segments, Load(card, bytes, SaferGambling.HarmFeatures.Set)),
                _ => new ServedModels(current.Churn, current.Vip, new(card, SegmentModel.Load(bytes, card.Segments ?? [])), current.Harm),
            };
            log.LogInformation("Serving {Kind} model {Version} (was {Previous})", kind, version, served ?? "none");
        }
        finally
        {
            _gate.Release();
        }
        Changed?.Invoke(kind);
    }

    /// <summary>
    /// A model trained on other features than this version computes (a store written before an upgrade) cannot score:
    /// the rule serves until the next training run, which the scheduler starts soon (<see cref="Serves"/>).
    /// </summary>
    private Scorer Load(ModelCard card, byte[] bytes, FeatureSet features)
    {
        if (card.Source == ModelSources.Rule) return card.Kind == ModelKinds.Harm ? new Scorer(card, null, null) : new Scorer(card, null, RuleModel.Load(bytes));
        if (card.Features.SequenceEqual(features.Names)) return new Scorer(card, BinaryModel.Load(bytes, features), null);
        _unservable.Add(card.Version);
        log.LogWarning("The {Kind} model {Version} was trained on features this version no longer computes ({Features}); scoring by the rule until the next training run",
            card.Kind, card.Version, features.Name);
        if (card.Kind == ModelKinds.Harm) return Scorer.HarmRule($"served because {card.Version} was trained on older features; the next training run replaces it");
        return Scorer.DefaultRule(card.Kind) with { Card = Scorer.DefaultRule(card.Kind).Card with { Decision = $"served because {card.Version} was trained on older features; the next training run replaces it" } };
    }

    /// <summary>Whether this instance serves a trained or calibrated version of the kind (not the default curve).</summary>
    public bool Serves(string kind) => kind switch
    {
        ModelKinds.Churn => !_served.Churn.Card.Version.EndsWith(DefaultRuleSuffix, StringComparison.Ordinal),
        ModelKinds.Vip => !_served.Vip.Card.Version.EndsWith(DefaultRuleSuffix, StringComparison.Ordinal),
        // The rule always scores harm; "served" means a training run has judged it (a model, or the rule it kept).
        ModelKinds.Harm => _served.Harm.Card.Version != SaferGambling.HarmRule.Version,
        _ => _served.Segments is not null,
    };

    private const string DefaultRuleSuffix = "-rule-default";

    /// <summary>
    /// Loads the current models before the instance takes requests: scores served from an instance still loading
    /// would lack the kinds not loaded yet. A store that cannot be reached does not stop the start; the loop retries.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try { await RefreshAsync(cancellationToken); }
        catch (Exception e) when (e is RedisException or TimeoutException) { log.LogWarning(e, "Could not load the current models at start; retrying in the background"); }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(keys.ModelsChanged);
        queue.OnMessage(async m =>
        {
            // The recommender shares the registry and its channel; its own refresher follows it.
            if (!ModelKinds.All.Contains(m.Message.ToString())) return;
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
