using System.Globalization;
using Shared.Contracts;

namespace Lobby.Components.Console.Models;

/// <summary>
/// What scores the players now and why: for churn and VIP potential the served version (a model, or the rule when no
/// model beat it), each rolling holdout's AUC for the candidate, the rule and the served model, and the promotion's
/// margin; the segmentation's fit; the recommender against most-popular; and the versions kept, with their decisions.
/// </summary>
public sealed partial class ModelsPage
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    private ModelsView? Models { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () => Models = await Api.GetModelsAsync());
    }

    internal static string Title(string kind) => kind switch
    {
        ModelKinds.Churn => "Churn risk",
        ModelKinds.Vip => "VIP potential",
        ModelKinds.Segments => "Behavioural segments",
        ModelKinds.Recommendations => "Game recommendations",
        ModelKinds.Harm => "Harm risk",
        _ => kind,
    };

    /// <summary>The served version's card, if the registry still holds it.</summary>
    internal static ModelCard? Served(ModelKindView kind) => kind.Current is { } v ? kind.Versions.FirstOrDefault(c => c.Version == v) : null;

    /// <summary>The newest trained candidate whose folds show the comparison (the served one when a model is served).</summary>
    internal static ModelCard? Judged(ModelKindView kind) =>
        Served(kind) is { Evaluation.Folds.Count: > 0 } served && served.Source == ModelSources.Model
            ? served
            : kind.Versions.FirstOrDefault(c => c.Source == ModelSources.Model && c.Evaluation.Folds is { Count: > 0 });

    internal static string ServedBy(ModelKindView kind) => Served(kind) switch
    {
        null when kind.Current is null => "Nothing trained yet" + (kind.Kind is ModelKinds.Churn or ModelKinds.Vip ? ": scored by the rule with its default curve"
            : kind.Kind == ModelKinds.Harm ? ": scored by the weighted-marker rule" : ""),
        null => $"{kind.Current} (its card is no longer kept)",
        { Source: ModelSources.Rule } c => $"The rule “{c.Rule}”, calibrated on outcomes ({c.Version})",
        var c => $"Model {c.Version}",
    };

    internal static string Auc(double? v) => v is { } d && !double.IsNaN(d) ? d.ToString("0.000", Culture) : "–";

    internal static string Gain(double v) => v.ToString("+0.000;-0.000;0.000", Culture);
}
