using Shared.Contracts;
using System.CommandLine;
using Intelligence.Models;
using Intelligence.SaferGambling;
using Intelligence.Scoring;
using Intelligence.Training;
using Shared.Store;
using Spectre.Console;

namespace Intelligence.Commands;

/// <summary>
/// Operator commands run from the same binary as the service (<c>dotnet Intelligence.dll train</c>, <c>models list</c>,
/// <c>models rollback churn</c>, <c>export --out dir</c>), with the service's configuration and store.
/// </summary>
public static class IntelligenceCommands
{
    private static readonly string[] Names = ["train", "models", "export"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Names.Contains(args[0], StringComparer.Ordinal);

    public static Task<int> RunAsync(string[] args)
    {
        var redis = new Option<string?>("--redis") { Description = "Redis connection string; default ConnectionStrings:Redis from configuration", Recursive = true };
        var asOf = new Option<DateTimeOffset?>("--as-of")
        {
            Description = "Act as if it were this UTC instant (e.g. 2026-11-02T10:00:00Z): train and export as of a past day, for back-tests and reproducible runs; default now",
            Recursive = true,
        };
        var kinds = new Option<string[]>("--kinds") { Description = "Model kinds (churn, vip, segments); default all", AllowMultipleArgumentsPerToken = true };

        var train = new Command("train", "Train churn, VIP and segment models on the store's history, judge them on a time-based holdout, promote those not worse than the served ones") { kinds };
        train.SetAction(async (r, ct) => await TrainAsync(r.GetValue(redis), r.GetValue(asOf), r.GetValue(kinds), ct));

        var list = new Command("list", "Model versions with holdout metrics next to their baselines");
        list.SetAction(async (r, _) => await ListAsync(r.GetValue(redis), r.GetValue(asOf)));
        var kind = new Argument<string>("kind") { Description = "churn, vip or segments" };
        var rollback = new Command("rollback", "Serve the previously promoted version of a kind again (every instance switches)") { kind };
        rollback.SetAction(async (r, _) => await RollbackAsync(r.GetValue(redis), r.GetValue(asOf), r.GetValue(kind)!));
        var models = new Command("models", "Model versions: list and rollback") { list, rollback };

        var output = new Option<string>("--out") { Description = "Folder to write the CSV files to", DefaultValueFactory = _ => "notebooks/data" };
        var export = new Command("export", "Write the training and holdout sets and the served models' holdout predictions as CSV (for notebooks)") { output };
        export.SetAction(async (r, ct) => await ExportCommand.RunAsync(BuildHost(r.GetValue(redis), r.GetValue(asOf)), r.GetValue(output)!, ct));

        var root = new RootCommand("Intelligence operator commands; without a command the service starts.") { train, models, export };
        root.Options.Add(redis);
        root.Options.Add(asOf);
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
        return root.Parse(args).InvokeAsync();
    }

    private static async Task<int> TrainAsync(string? redis, DateTimeOffset? asOf, string[]? kinds, CancellationToken ct)
    {
        var selected = kinds is { Length: > 0 } ? kinds.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList() : [.. ModelKinds.All];
        if (selected.FirstOrDefault(k => !ModelKinds.All.Contains(k)) is { } bad)
        {
            await Console.Error.WriteLineAsync($"--kinds: unknown model kind '{bad}'; expected one of {string.Join(", ", ModelKinds.All)}");
            return 2;
        }
        using var host = BuildHost(redis, asOf);
        var jobs = host.Services.GetRequiredService<TrainingJobs>();
        IReadOnlyList<ModelCard> cards = [];
        await AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SyncProgress<TrainingProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var t)) tasks[p.Stage] = t = ctx.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                    t.MaxValue = Math.Max(1, p.Total);
                    t.Value = p.Done;
                });
                cards = await jobs.RunNowAsync(selected, progress, ct);
                foreach (var t in tasks.Values) t.Value = t.MaxValue;
            });
        Print(cards);
        return cards.Any(c => c.Status == ModelStatus.Promoted) || cards.Count > 0 ? 0 : 1;
    }

    private static async Task<int> ListAsync(string? redis, DateTimeOffset? asOf)
    {
        using var host = BuildHost(redis, asOf);
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        foreach (var kind in ModelKinds.Trainable)
        {
            var current = await registry.CurrentVersionAsync(kind);
            AnsiConsole.MarkupLine($"[bold]{kind}[/]: serving {Markup.Escape(current ?? "nothing yet")}");
            Print(await registry.CardsAsync(kind));
        }
        return 0;
    }

    private static async Task<int> RollbackAsync(string? redis, DateTimeOffset? asOf, string kind)
    {
        if (!ModelKinds.Trainable.Contains(kind))
        {
            await Console.Error.WriteLineAsync($"kind: unknown model kind '{kind}'; expected one of {string.Join(", ", ModelKinds.Trainable)}");
            return 2;
        }
        using var host = BuildHost(redis, asOf);
        if (await host.Services.GetRequiredService<ModelRegistry>().RollbackAsync(kind) is not { } r)
        {
            await Console.Error.WriteLineAsync($"The {kind} model has no earlier promoted version to roll back to.");
            return 1;
        }
        Console.WriteLine($"{kind}: now serving {r.To} (was {r.From}); every instance switches on the store's notification.");
        return 0;
    }

    internal static void Print(IEnumerable<ModelCard> cards)
    {
        var table = new Table().AddColumns("version", "source", "status", "rows (train/holdout)", "AUC", "PR-AUC", "log-loss", "ECE", "lift@10%", "rule AUC", "decision");
        static string F(double? v) => v is { } d && !double.IsNaN(d) ? d.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "–";
        foreach (var c in cards)
        {
            var m = c.Evaluation.Model;
            table.AddRow(Markup.Escape(c.Version), c.Source, c.Status, $"{c.Evaluation.TrainRows}/{c.Evaluation.HoldoutRows}", F(m?.Auc), F(m?.PrAuc), F(m?.LogLoss), F(m?.CalibrationError),
                F(m?.TopDecileLift), F(c.Evaluation.Baseline?.Auc), Markup.Escape(c.Decision));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>The service's models, store and options, configured as the service is, without starting a web host.</summary>
    internal static IHost BuildHost(string? redis, DateTimeOffset? asOf = null)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Production;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = environment });
        builder.Configuration.AddEnvironmentVariables("ASPNETCORE_");
        if (!string.IsNullOrWhiteSpace(redis)) builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Redis", redis)]);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(asOf is { } at ? new Shared.ServiceDefaults.AsOfClock(at) : TimeProvider.System);
        builder.Services.AddMetrics();
        builder.AddRedisStore();
        builder.Services.AddSingleton<CatalogCache>();
        builder.AddSaferGambling();
        builder.AddModels();
        builder.AddScoring();
        builder.AddTraining();
        // Training jobs can retrain the recommender too.
        Intelligence.Recommendations.RecommendationsApi.AddRecommendations(builder);
        return builder.Build();
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
