using Shared.Contracts;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Training;
using Microsoft.Extensions.Options;
using Shared.Store;

namespace Intelligence.Commands;

/// <summary>
/// Writes what the models learn from and how they did, for data scientists: the churn and VIP training and holdout
/// sets exactly as <see cref="TrainingSets"/> builds them from the store now; on the holdout, the served scorer's
/// probability (a model's or the rule's), the newest trained model's (served or not) with its feature contributions,
/// and the rule's calibrated on the training rows; every player's segmentation features with their segment; every
/// player's harm markers and harm-risk probability at weekly cut-offs; and the served versions' cards (training time,
/// holdout metrics) in the manifest.
/// </summary>
public static class ExportCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(IHost host, string output, CancellationToken ct)
    {
        using (host)
        {
            var s = host.Services;
            var written = await ExportAsync(s.GetRequiredService<HistoryReader>(), s.GetRequiredService<ModelHost>(), s.GetRequiredService<ModelRegistry>(),
                s.GetRequiredService<IOptions<TrainingOptions>>().Value,
                s.GetRequiredService<TimeProvider>(), output, ct);
            foreach (var (file, rows) in written) Console.WriteLine($"{file}: {rows} rows");
            return 0;
        }
    }

    public static async Task<IReadOnlyList<(string File, int Rows)>> ExportAsync(HistoryReader reader, ModelHost models, ModelRegistry registry, TrainingOptions o,
        TimeProvider clock, string output, CancellationToken ct)
    {
        Directory.CreateDirectory(output);
        await models.RefreshAsync(ct);
        var snapshots = await reader.ReadAllAsync(ct: ct);
        var today = ProfileReader.DayOf(clock.GetUtcNow());
        var histories = snapshots.Select(x => x.History).ToList();
        var firstDay = histories.Where(h => h.DayNumbers.Length > 0).Select(h => h.DayNumbers[0]).DefaultIfEmpty(today).Min();
        var churnFolds = TrainingSets.ChurnFolds(histories, today, o.Churn);
        var vipFolds = TrainingSets.VipFolds(histories, today, firstDay, o.Vip);
        var (churn, vip) = (churnFolds[0], vipFolds[0]);
        var written = new List<(string, int)>
        {
            Write(output, "churn_train.csv", churn.Train, ChurnFeatures.Set, null, null, null),
            Write(output, "churn_holdout.csv", churn.Holdout, ChurnFeatures.Set, models.Churn, await NewestModelAsync(registry, ModelKinds.Churn, ChurnFeatures.Set),
                RuleModel.Fit(CandidateJudge.ChooseRule(ModelKinds.Churn, churn.Train), churn.Train, "training rows")),
            Write(output, "vip_train.csv", vip.Train, VipFeatures.Set, null, null, null),
            Write(output, "vip_holdout.csv", vip.Holdout, VipFeatures.Set, models.Vip, await NewestModelAsync(registry, ModelKinds.Vip, VipFeatures.Set),
                RuleModel.Fit(CandidateJudge.ChooseRule(ModelKinds.Vip, vip.Train), vip.Train, "training rows")),
        };
        written.Add(WriteFolds(output, "churn_folds.csv", ModelKinds.Churn, churnFolds, ChurnFeatures.Set, o.Trees));
        written.Add(WriteFolds(output, "vip_folds.csv", ModelKinds.Vip, vipFolds, VipFeatures.Set, o.Trees));
        var segments = snapshots.Select(x => (x.Profile.PlayerId, Features: SegmentFeatures.At(x.History, x.Profile.Games, today))).ToList();
        var assigned = models.Segments?.Model.AssignAll([.. segments.Select(x => x.Features)]);
        var sb = new StringBuilder("playerId," + string.Join(',', SegmentFeatures.Set.Names) + ",segmentId,segmentName\n");
        for (var i = 0; i < segments.Count; i++)
        {
            sb.Append(Csv(segments[i].PlayerId)).Append(',').Append(string.Join(',', segments[i].Features.Select(f => f.ToString("R", Inv))))
              .Append(',').Append(Csv(assigned?[i].Id ?? "")).Append(',').Append(Csv(assigned?[i].Name ?? "")).Append('\n');
        }
        await File.WriteAllTextAsync(Path.Combine(output, "segments.csv"), sb.ToString(), ct);
        written.Add(("segments.csv", segments.Count));
        written.Add(await WriteHarmAsync(output, snapshots, today, ct));
        var manifest = new Dictionary<string, object?>
        {
            ["exportedAt"] = clock.GetUtcNow(),
            ["players"] = snapshots.Count,
            ["churn"] = WithCard(new() { ["model"] = models.Churn.Card.Version, ["source"] = models.Churn.Source, ["horizonDays"] = o.Churn.HorizonDays, ["split"] = churn.Window.Split, ["baseline"] = CandidateJudge.ChooseRule(ModelKinds.Churn, churn.Train).Name }, models.Churn.Card),
            ["vip"] = WithCard(new() { ["model"] = models.Vip.Card.Version, ["source"] = models.Vip.Source, ["topShare"] = o.Vip.TopShare, ["split"] = vip.Window.Split, ["baseline"] = CandidateJudge.ChooseRule(ModelKinds.Vip, vip.Train).Name }, models.Vip.Card),
            ["segments"] = WithCard(new() { ["model"] = models.Segments?.Card.Version, ["k"] = models.Segments?.Model.Segments.Count }, models.Segments?.Card),
        };
        await File.WriteAllTextAsync(Path.Combine(output, "manifest.json"), JsonSerializer.Serialize(manifest, ExportJsonContext.Default.DictionaryStringObject), ct);
        return written;
    }

    /// <summary>
    /// harm.csv: every player's harm markers and harm-risk probability (the rule) as known before each weekly cut-off of
    /// the last <see cref="HarmWeeks"/> weeks, for comparison with planted truth (the simulator's at-risk players).
    /// </summary>
    private static async Task<(string, int)> WriteHarmAsync(string output, IReadOnlyList<PlayerSnapshot> snapshots, long today, CancellationToken ct)
    {
        var sb = new StringBuilder("playerId,cutoff," + string.Join(',', SaferGambling.HarmMarkers.Names) + ",probability\n");
        var rows = 0;
        foreach (var s in snapshots)
        {
            for (var w = HarmWeeks - 1; w >= 0; w--)
            {
                var cutoff = today + 1 - 7 * w;
                var markers = SaferGambling.HarmMarkers.At(s.History, s.History.Harm, s.Profile.Country, cutoff);
                var (p, _) = SaferGambling.HarmRule.Score(markers);
                sb.Append(Csv(s.Profile.PlayerId)).Append(',').Append(DateTimeOffset.UnixEpoch.AddDays(cutoff).ToString("yyyy-MM-dd", Inv));
                foreach (var m in markers) sb.Append(',').Append(m.Value.ToString("R", Inv));
                sb.Append(',').Append(p.ToString("R", Inv)).Append('\n');
                rows++;
            }
        }
        await File.WriteAllTextAsync(Path.Combine(output, "harm.csv"), sb.ToString(), ct);
        return ("harm.csv", rows);
    }

    private const int HarmWeeks = 16;

    /// <summary>
    /// What the served model's card says about its training: notebooks compare other learners' fit time and holdout
    /// metrics with these (the card's holdout is the one exported, if the export runs on the day of training).
    /// </summary>
    private static Dictionary<string, object?> WithCard(Dictionary<string, object?> section, ModelCard? card)
    {
        if (card is null) return section;
        section["trainer"] = card.Trainer;
        section["trainedAt"] = card.TrainedAt;
        section["trainingSeconds"] = card.TrainingSeconds;
        section["trainRows"] = card.Evaluation.TrainRows;
        section["holdoutRows"] = card.Evaluation.HoldoutRows;
        if (card.Evaluation.Model is { } m) section["holdout"] = m;
        if (card.Evaluation.Baseline is { } b) section["baselineHoldout"] = b;
        if (card.Evaluation.Clustering is { } c) section["daviesBouldin"] = c.DaviesBouldin;
        if (card.Evaluation.Folds is { } folds) section["folds"] = folds.ToList();
        return section;
    }

    /// <summary>The newest trained model of a kind whose features are today's, served or not (null when none was ever trained).</summary>
    private static async Task<BinaryModel?> NewestModelAsync(ModelRegistry registry, string kind, FeatureSet features)
    {
        foreach (var card in await registry.CardsAsync(kind))
        {
            if (card.Source != ModelSources.Model || !card.Features.SequenceEqual(features.Names)) continue;
            if (await registry.ModelAsync(kind, card.Version) is { } bytes) return BinaryModel.Load(bytes, features);
        }
        return null;
    }

    /// <param name="served">What scores the kind now (the <c>probability</c> column: the model's, or the served rule's), null for training rows.</param>
    /// <param name="model">The newest trained model (the <c>modelProbability</c> column and the drivers file), served or not.</param>
    private static (string, int) Write(string dir, string file, IReadOnlyList<Example> rows, FeatureSet features, ModelHost.Scorer? served, BinaryModel? model, RuleModel? baseline)
    {
        var p = served?.Model?.PredictAll(rows) ?? served?.Rule?.PredictAll(rows);
        var m = model?.PredictAll(rows);
        var sb = new StringBuilder("playerId,cutoff,label," + string.Join(',', features.Names) + (baseline is not null ? ",baselineProbability" : "") + (p is not null ? ",probability" : "")
            + (m is not null ? ",modelProbability" : "") + "\n");
        for (var i = 0; i < rows.Count; i++)
        {
            var e = rows[i];
            sb.Append(Csv(e.PlayerId)).Append(',').Append(DateTimeOffset.UnixEpoch.AddDays(e.Cutoff).ToString("yyyy-MM-dd", Inv)).Append(',').Append(e.Label ? '1' : '0');
            foreach (var f in e.Features) sb.Append(',').Append(f.ToString("R", Inv));
            if (baseline is not null) sb.Append(',').Append(baseline.Probability(baseline.Rule.ValueIn(e.Features)).ToString("R", Inv));
            if (p is not null) sb.Append(',').Append(p[i].ToString("R", Inv));
            if (m is not null) sb.Append(',').Append(m[i].ToString("R", Inv));
            sb.Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, file), sb.ToString());
        if (model is not null) WriteDrivers(dir, Path.GetFileNameWithoutExtension(file) + "_drivers.csv", rows, features, model);
        return (file, rows.Count);
    }

    /// <summary>
    /// Every rolling fold as training runs judge them: each fold's training and holdout rows, and on holdout rows the
    /// probability of the candidate trained on that fold and of the rule calibrated on it (the same seeded training as
    /// the run's, so their AUCs are the card's per-fold figures), for other learners to be compared on exactly these rows.
    /// </summary>
    private static (string, int) WriteFolds(string dir, string file, string kind, IReadOnlyList<TrainingSet> folds, FeatureSet features, BinaryModel.TrainerSettings settings)
    {
        var sb = new StringBuilder("fold,holdoutFrom,part,playerId,cutoff,label," + string.Join(',', features.Names) + ",modelProbability,ruleProbability\n");
        var rows = 0;
        var index = 0;
        CandidateJudge.Judge(kind, folds, features, null, null, settings, (fold, model, rule) =>
        {
            var from = DateTimeOffset.UnixEpoch.AddDays(fold.Window.HoldoutCutoffs.Min()).ToString("yyyy-MM-dd", Inv);
            var p = model.PredictAll(fold.Holdout);
            var r = rule.PredictAll(fold.Holdout);
            foreach (var (part, set) in new[] { ("train", fold.Train), ("holdout", fold.Holdout) })
            {
                for (var i = 0; i < set.Count; i++)
                {
                    var e = set[i];
                    sb.Append(index).Append(',').Append(from).Append(',').Append(part).Append(',').Append(Csv(e.PlayerId)).Append(',')
                      .Append(DateTimeOffset.UnixEpoch.AddDays(e.Cutoff).ToString("yyyy-MM-dd", Inv)).Append(',').Append(e.Label ? '1' : '0');
                    foreach (var f in e.Features) sb.Append(',').Append(f.ToString("R", Inv));
                    sb.Append(',').Append(part == "holdout" ? p[i].ToString("R", Inv) : "").Append(',').Append(part == "holdout" ? r[i].ToString("R", Inv) : "").Append('\n');
                    rows++;
                }
            }
            index++;
        });
        File.WriteAllText(Path.Combine(dir, file), sb.ToString());
        return (file, rows);
    }

    /// <summary>The model's feature contributions per holdout row (normalised per row), as the API's drivers.</summary>
    private static void WriteDrivers(string dir, string file, IReadOnlyList<Example> rows, FeatureSet features, BinaryModel model)
    {
        var contributions = model.ContributionsAll(rows);
        var sb = new StringBuilder("playerId,cutoff," + string.Join(',', features.Names) + "\n");
        for (var i = 0; i < rows.Count; i++)
        {
            sb.Append(Csv(rows[i].PlayerId)).Append(',').Append(DateTimeOffset.UnixEpoch.AddDays(rows[i].Cutoff).ToString("yyyy-MM-dd", Inv));
            for (var j = 0; j < features.Count; j++) sb.Append(',').Append((j < contributions[i].Length ? contributions[i][j] : 0f).ToString("R", Inv));
            sb.Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, file), sb.ToString());
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web,
    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Metrics))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<FoldResult>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DateTimeOffset))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ExportJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
