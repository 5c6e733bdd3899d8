using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Simulator;
using Simulator.Delivery;
using Simulator.Demo;
using Simulator.History;
using Simulator.Live;

// The operator's side of a living casino: `history` writes past activity for the backfill command, `live` streams
// activity now through Ingestion's real adapters and serves the aggregator game list and the PAM endpoints.
var players = new Option<int>("--players") { Description = "Population size", DefaultValueFactory = _ => 3000 };
var days = new Option<int>("--days") { Description = "Days of history before the end time", DefaultValueFactory = _ => 120 };
var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same casino, byte for byte", DefaultValueFactory = _ => 42 };
var end = new Option<DateTimeOffset?>("--end") { Description = "End of history (RFC 3339); default now, to the minute" };
var duplicates = new Option<double>("--duplicates") { Description = "Share of events delivered twice", DefaultValueFactory = _ => 0.01 };
var outOfOrder = new Option<double>("--out-of-order") { Description = "Share of events delivered a little out of order", DefaultValueFactory = _ => 0.01 };
var late = new Option<double>("--late") { Description = "Share of events delivered 1-36 hours late (history only)", DefaultValueFactory = _ => 0.005 };
var rollbacks = new Option<double>("--rollbacks") { Description = "Share of bets rolled back", DefaultValueFactory = _ => 0.002 };
var data = new Option<string>("--out", "--data") { Description = "Data folder (events, catalogue, summary, Hub88 keys)", DefaultValueFactory = _ => ".data/demo" };
var delivery = new Option<string>("--delivery")
{
    Description = "How the history is delivered: time (default), per-player, per-table, late-wins, late-rollbacks, week-replay, second-backfill",
    DefaultValueFactory = _ => "time",
};
delivery.AcceptOnlyFromAmong([.. DeliveryModes.Names.Keys]);
var truth = new Option<bool>("--truth") { Description = "Also write truth.ndjson (archetype, latent taste, churn) for model evaluation" };
var rate = new Option<double>("--rate") { Description = "Live events a second", DefaultValueFactory = _ => 50 };
var ingestion = new Option<string>("--ingestion") { Description = "Ingestion's base URL", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
var apiKey = new Option<string>("--api-key") { Description = "Ingestion API key with events:write", DefaultValueFactory = _ => "dev-key" };
var serve = new Option<string>("--serve") { Description = "host:port for the game list and PAM endpoints", DefaultValueFactory = _ => "127.0.0.1:5190" };
var duration = new Option<int>("--duration") { Description = "Stop after this many seconds (0: until Ctrl-C)", DefaultValueFactory = _ => 0 };

FaultRates Faults(ParseResult r) => new(r.GetValue(duplicates), r.GetValue(outOfOrder), r.GetValue(late), r.GetValue(rollbacks));
DateTimeOffset EndOf(ParseResult r) => r.GetValue(end) ?? new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

var history = new Command("history", "Generate N days of past activity as canonical NDJSON (.gz), with games.json, summary.json and featured.txt")
{
    players, days, seed, end, duplicates, outOfOrder, late, rollbacks, data, truth, delivery,
};
history.SetAction(r =>
{
    var clock = Stopwatch.StartNew();
    var world = World.Create(r.GetValue(seed), r.GetValue(players), r.GetValue(days), EndOf(r));
    var summary = HistoryGenerator.Run(world, Faults(r), r.GetValue(data)!, r.GetValue(truth), DeliveryModes.Names[r.GetValue(delivery)!]);
    var o = summary.Overall;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"history: {summary.Players} players × {summary.Days} days → {summary.EventLines} events ({summary.DuplicateLines} duplicates, {summary.Rollbacks} rollbacks) in {clock.Elapsed.TotalSeconds:0.0} s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"history: deposits {o.DepositCount} / {o.DepositAmount:0.00} EUR, bets {o.BetCount} / stake {o.StakeAmount:0.00} EUR, wins {o.WinAmount:0.00} EUR; files in {Path.GetFullPath(r.GetValue(data)!)}"));
    return 0;
});

var keys = new Command("keys", "Create (once) the Hub88 signing key pair and the Sumsub webhook's secret in the data folder and print the public key's path") { data };
keys.SetAction(r =>
{
    using var rsa = Hub88Keys.LoadOrCreate(r.GetValue(data)!);
    SumsubWebhooks.LoadOrCreateSecret(r.GetValue(data)!);
    Console.WriteLine(Path.GetFullPath(Path.Combine(r.GetValue(data)!, Hub88Keys.PublicFile)));
    return 0;
});

var live = new Command("live", "Stream activity now through Ingestion's canonical, Fast Track and Hub88 feeds and Sumsub webhooks; serve the game list and PAM")
{
    players, days, seed, duplicates, outOfOrder, rollbacks, data, rate, ingestion, apiKey, serve, duration,
};
live.SetAction(async (r, ct) =>
{
    var dir = r.GetValue(data)!;
    var world = World.Create(r.GetValue(seed), r.GetValue(players), r.GetValue(days), EndOf(r));
    using var rsa = Hub88Keys.LoadOrCreate(dir);
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    var seconds = r.GetValue(duration);
    var stream = new LiveFeed(world, new LiveOptions(new Uri(r.GetValue(ingestion)!), r.GetValue(apiKey)!, r.GetValue(rate), Faults(r), dir,
        seconds > 0 ? TimeSpan.FromSeconds(seconds) : null, TimeSpan.FromSeconds(30), SumsubWebhooks.LoadOrCreateSecret(dir), TimeSpan.FromSeconds(5)), http, rsa, Console.Out);
    stream.Prepare();

    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls("http://" + r.GetValue(serve));
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    await using var app = builder.Build();
    app.MapOperatorApi(world.Games, stream.Find);
    new ExampleCrm(ExampleCrm.LoadOrCreateSecret(dir)).Map(app);
    await app.StartAsync(ct);
    Console.WriteLine($"live: game list at http://{r.GetValue(serve)}{OperatorApi.GamesPath}, PAM at http://{r.GetValue(serve)}{OperatorApi.PamPrefix}/");

    await stream.WaitForIngestionAsync(ct);
    Console.WriteLine($"live: streaming about {r.GetValue(rate)} events a second to {r.GetValue(ingestion)}");
    try
    {
        await stream.RunAsync(ct);
    }
    catch (OperationCanceledException)
    {
    }
    await app.StopAsync(CancellationToken.None);
    return 0;
});

var redis = new Option<string>("--redis") { Description = "The store's StackExchange.Redis connection string (a single Redis or a Cluster)", Required = true };
var field = new Argument<string>("field") { Description = $"Which mark: {string.Join(" or ", DemoMarks.Fields)}" };
field.AcceptOnlyFromAmong([.. DemoMarks.Fields]);
var value = new Argument<string?>("value") { Description = "The value to set; without it, the mark is printed (nothing when absent)", Arity = ArgumentArity.ZeroOrOne };
var mark = new Command("mark", "Read or set one of the demo's marks in the store (what history was loaded, when the examples were seeded)") { redis, field, value };
mark.SetAction(async (r, ct) =>
{
    if (r.GetValue(value) is { } set) await DemoMarks.SetAsync(r.GetValue(redis)!, r.GetValue(field)!, set);
    else Console.WriteLine(await DemoMarks.GetAsync(r.GetValue(redis)!, r.GetValue(field)!) ?? "");
    return 0;
});

var intelligence = new Option<string>("--intelligence") { Description = "Intelligence's base URL", DefaultValueFactory = _ => "http://127.0.0.1:5181" };
var catalogue = new Option<string>("--catalogue") { Description = "The game list to choose the example placement's games from: the one `live` serves", DefaultValueFactory = _ => $"http://127.0.0.1:5190{OperatorApi.GamesPath}" };
var crm = new Option<string>("--webhook-url") { Description = "Where the example webhook delivers: the demo's CRM, served by `live`", DefaultValueFactory = _ => $"http://127.0.0.1:5190{ExampleCrm.Path}" };
var seedStore = new Option<string?>("--redis") { Description = "The store: when given, the examples are seeded only if its mark says they never were, and the mark is set" };
var seedExamples = new Command("seed", "Seed the console's examples (segments, placements, a webhook to the demo's CRM) through Intelligence's API, once")
{
    data, intelligence, apiKey, catalogue, crm, seedStore,
};
seedExamples.SetAction(async (r, ct) =>
{
    var store = r.GetValue(seedStore);
    if (store is not null && await DemoMarks.GetAsync(store, DemoMarks.Examples) is { } seeded)
    {
        Console.WriteLine($"demo: the console's examples were seeded on {seeded}; left as they are");
        return 0;
    }
    var dir = r.GetValue(data)!;
    using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
    var games = await http.GetFromJsonAsync(r.GetValue(catalogue)!, Shared.Contracts.ContractsJsonContext.Default.ListGame, ct) ?? [];
    var now = DateTimeOffset.UtcNow;
    await DemoExamples.SeedAsync(http, new DemoExamplesOptions(new Uri(r.GetValue(intelligence)!), r.GetValue(apiKey)!, new Uri(r.GetValue(crm)!),
        ExampleCrm.LoadOrCreateSecret(dir)), games, now, Console.Out, ct);
    if (store is not null) await DemoMarks.SetAsync(store, DemoMarks.Examples, now.ToString("O", CultureInfo.InvariantCulture));
    return 0;
});

var root = new RootCommand("Casino simulator: the operator's side (players, games, PAM, feeds) for demos and model evaluation") { history, live, keys, mark, seedExamples };
return await root.Parse(args).InvokeAsync();
