using System.CommandLine;
using Recommendations.Benchmarks;

// Recommendation quality and speed, as commands that print figures.
//   eval:    offline evaluation on a simulated history (time split, first plays in the next 7 days).
//   latency: for-you at a fixed request rate against the built Intelligence service on a local redis-server.

var players = new Option<int>("--players") { Description = "Simulated players", DefaultValueFactory = _ => 3000 };
var days = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 120 };
var seed = new Option<int>("--seed") { Description = "Simulator seed", DefaultValueFactory = _ => 42 };
var data = new Option<string?>("--data") { Description = "Use this simulator history folder (events-*.ndjson.gz, games.json) instead of generating one" };
var ffm = new Option<bool>("--ffm") { Description = "Also train and evaluate ML.NET's field-aware factorization machine (slow)" };
var sweep = new Option<bool>("--sweep") { Description = "Also print a small sweep of ALS settings" };
var export = new Option<string?>("--export") { Description = "Also write per-player results by list and baseline to this folder (recs_eval.csv, recs_coverage.csv, recs_split.json), for notebooks/04-recommendations" };
var eval = new Command("eval", "HR@10, NDCG@10 and coverage for ALS, FFM (with --ffm), most-popular and random") { players, days, seed, data, ffm, sweep, export };
eval.SetAction(async (parse, ct) =>
{
    await Evaluate.RunAsync(parse.GetValue(players), parse.GetValue(days), parse.GetValue(seed), parse.GetValue(data), parse.GetValue(ffm), parse.GetValue(sweep), parse.GetValue(export), ct);
    return 0;
});

var rate = new Option<int>("--rate") { Description = "Requests a second (open loop: sent on schedule, whether or not earlier ones have answered)", DefaultValueFactory = _ => 1000 };
var seconds = new Option<int>("--seconds") { Description = "Measured seconds (after 5 s of warm-up at the same rate)", DefaultValueFactory = _ => 20 };
var latencyPlayers = new Option<int>("--players") { Description = "Simulated players loaded into the store", DefaultValueFactory = _ => 3000 };
var latency = new Command("latency", "for-you latency at a fixed request rate: local redis-server, the built Intelligence.dll as a child process") { latencyPlayers, days, seed, rate, seconds };
latency.SetAction(async (parse, ct) =>
{
    await Latency.RunAsync(parse.GetValue(latencyPlayers), parse.GetValue(days), parse.GetValue(seed), parse.GetValue(rate), parse.GetValue(seconds), ct);
    return 0;
});

var root = new RootCommand("Recommendation benchmarks") { eval, latency };
return await root.Parse(args).InvokeAsync();
