using Shared.Contracts;
using System.Globalization;
using System.Text.Json;
using Intelligence.Commands;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Intelligence.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Commands;

/// <summary>The export notebooks read: the holdout the served model was judged on, its card and its drivers.</summary>
public sealed class ExportTests(SimulatedCasino casino) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(casino.ConnectionString);

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Export_ReproducesTheCardsHoldoutAuc_AndCarriesTrainingTimeAndDrivers()
    {
        // Players from the casino; models in a registry of this test's own.
        var reader = new HistoryReader(_redis, casino.Keys, new CatalogCache(_redis, casino.Keys, casino.Clock), casino.Clock);
        var keys = new StoreKeys(TestKeys.Prefix());
        var registry = new ModelRegistry(_redis, keys);
        var host = new ModelHost(registry, _redis, keys, Options.Create(new ModelHostOptions()), NullLogger<ModelHost>.Instance);
        // A served model (not the rule), whatever the holdout says: the export is what is tested here.
        var options = new TrainingOptions { RequireBeatingBaseline = false };
        var trainer = new ModelTrainer(reader, registry, host, Options.Create(options), casino.Clock, NullLogger<ModelTrainer>.Instance);
        var (cards, _) = await trainer.TrainAsync(await reader.ReadAllAsync(), ModelKinds.All);
        var churn = cards.Single(c => c.Kind == ModelKinds.Churn);
        var dir = Directory.CreateTempSubdirectory("export-").FullName;
        try
        {
            await ExportCommand.ExportAsync(reader, new ModelHost(registry, _redis, keys, Options.Create(new ModelHostOptions()), NullLogger<ModelHost>.Instance), registry,
                options, casino.Clock, dir, CancellationToken.None);

            var holdout = Rows(Path.Combine(dir, "churn_holdout.csv"));
            var header = holdout[0];
            var (label, probability) = (Array.IndexOf(header, "label"), Array.IndexOf(header, "probability"));
            var auc = Evaluation.Auc([.. holdout.Skip(1).Select(r => r[label] == "1")], [.. holdout.Skip(1).Select(r => double.Parse(r[probability], CultureInfo.InvariantCulture))]);
            Assert.Equal(churn.Evaluation.Model!.Auc, auc, 9);
            // The served scorer is the newest trained model here, so its column and the model's are the same numbers.
            var model = Array.IndexOf(header, "modelProbability");
            Assert.All(holdout.Skip(1), r => Assert.Equal(r[probability], r[model]));

            var drivers = Rows(Path.Combine(dir, "churn_holdout_drivers.csv"));
            Assert.Equal(["playerId", "cutoff", .. ChurnFeatures.Set.Names], drivers[0]);
            Assert.Equal(holdout.Count, drivers.Count);
            Assert.Contains(drivers.Skip(1), r => r.Skip(2).Any(v => float.Parse(v, CultureInfo.InvariantCulture) != 0));

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
            var section = manifest.RootElement.GetProperty("churn");
            Assert.Equal(churn.TrainingSeconds, section.GetProperty("trainingSeconds").GetDouble());
            Assert.True(churn.TrainingSeconds > 0);
            Assert.Equal(churn.Evaluation.Model.Auc, section.GetProperty("holdout").GetProperty("auc").GetDouble());
            Assert.True(manifest.RootElement.GetProperty("segments").GetProperty("trainingSeconds").GetDouble() > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<string[]> Rows(string path) => [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split(','))];
}
