using Intelligence.Recommendations.Model;
using Shared.Contracts;
using Shared.Store;

namespace Intelligence.Recommendations;

/// <summary>
/// The model this instance serves, laid over the current catalogue. A new model is swapped in atomically; the
/// catalogue overlay is rebuilt only when the model or the catalogue's content changes.
/// </summary>
public sealed class RecommenderModels(CatalogCache catalog)
{
    public const string NoModel = "none";

    private volatile RecommenderModel? _model;
    private volatile View? _view;
    private readonly Lock _gate = new();

    /// <summary>An overlay, and what it was built from: the model, the catalogue instance and its content's fingerprint.</summary>
    private sealed record View(RecommenderModel? Model, IReadOnlyDictionary<string, Game> Catalogue, int Fingerprint, CatalogModel Overlay);

    public RecommenderModel? Model => _model;

    public string Version => _model?.Version ?? NoModel;

    public void Swap(RecommenderModel model) => _model = model;

    /// <summary>The current model over the current catalogue; without a trained model, a content-only one (no factors, no popularity).</summary>
    public async ValueTask<CatalogModel> GetAsync()
    {
        var games = await catalog.GetAsync();
        var model = _model;
        var view = _view;
        // The catalogue cache hands out the same dictionary until it reloads, so the common case costs two comparisons.
        if (view is not null && ReferenceEquals(view.Model, model) && ReferenceEquals(view.Catalogue, games)) return view.Overlay;
        var fingerprint = Fingerprint(games.Values);
        lock (_gate)
        {
            view = _view;
            if (view is null || !ReferenceEquals(view.Model, model) || view.Fingerprint != fingerprint)
            {
                var list = games.Values.OrderBy(g => g.Id, StringComparer.Ordinal).ToList();
                view = new View(model, games, fingerprint, new CatalogModel(model ?? Empty(list), list));
            }
            else
            {
                view = view with { Catalogue = games };
            }
            _view = view;
            return view.Overlay;
        }
    }

    /// <summary>What a model trained on no plays would be: every game placed by its metadata only, at the origin.</summary>
    public static RecommenderModel Empty(IReadOnlyList<Game> catalogue)
    {
        var settings = new ModelSettings();
        var features = GameFeatures.Of(catalogue);
        return new RecommenderModel
        {
            Version = NoModel, TrainedAt = DateTimeOffset.UnixEpoch, Settings = settings, GameIds = [], GameFactors = [], GamePlayers = [],
            FeatureNames = [.. features.Names], FactorMap = new float[features.Count * settings.Factors],
            Popularity = new Dictionary<string, float[]>(), Metrics = new ModelMetrics(0, 0, 0, 0),
        };
    }

    private static int Fingerprint(IEnumerable<Game> games)
    {
        var sum = 0;
        foreach (var g in games)
        {
            var h = new HashCode();
            h.Add(g.Id, StringComparer.Ordinal);
            h.Add(g.Provider, StringComparer.Ordinal);
            h.Add(g.Category, StringComparer.Ordinal);
            h.Add(g.Volatility, StringComparer.Ordinal);
            h.Add(g.Jackpot);
            h.Add(g.Enabled);
            h.Add(g.ReleasedAt);
            h.Add(g.Title, StringComparer.Ordinal);
            foreach (var t in g.Tags) h.Add(t, StringComparer.Ordinal);
            foreach (var m in g.Markets) h.Add(m, StringComparer.Ordinal);
            unchecked { sum += h.ToHashCode(); }
        }
        return sum;
    }
}
