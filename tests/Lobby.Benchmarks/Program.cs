using System.CommandLine;
using Lobby.Benchmarks;

// Speed figures of the live lobby (issue #7), each against the product started here or a running one (--lobby/--ingestion):
//   push-latency  event POSTed to Ingestion → the player's LobbyUpdated, under a steady background event load
//   first-render  GET / of a signed-in player → server-rendered HTML with the rows; and in Chromium, to the first row visible
//   connections   concurrent hub connections held by one lobby process while each gets its own update (target ≥ 5,000)
var lobby = new Option<Uri?>("--lobby") { Description = "A running lobby (e.g. http://127.0.0.1:5182); default: start the product here" };
var ingestion = new Option<Uri?>("--ingestion") { Description = "The running product's Ingestion (with --lobby)" };
var apiKey = new Option<string?>("--api-key") { Description = "Ingestion key with events:write and catalog:write (with --lobby; default dev-key)" };
var signingKey = new Option<string?>("--signing-key") { Description = "The lobby's TokenSigningKey (with --lobby; default the Development key)" };
var lobbyPid = new Option<int?>("--lobby-pid") { Description = "The running lobby's process id, for its memory (with --lobby)" };
var lobbyEnv = new Option<string[]>("--lobby-env") { Description = "Extra KEY=VALUE environment for the lobby started here", AllowMultipleArgumentsPerToken = true };

var players = new Option<int>("--players") { Description = "Connected players", DefaultValueFactory = _ => 200 };
var backgroundPlayers = new Option<int>("--background-players") { Description = "Other players the background load bets for", DefaultValueFactory = _ => 5_000 };
var backgroundRate = new Option<int>("--background-rate") { Description = "Background events a second", DefaultValueFactory = _ => 300 };
var rate = new Option<int>("--rate") { Description = "Measured events a second", DefaultValueFactory = _ => 20 };
var samples = new Option<int>("--samples") { Description = "Measured events (or page loads)", DefaultValueFactory = _ => 600 };
var pushLatency = new Command("push-latency", "Event to push: bets for connected players, timed from the POST to their LobbyUpdated, under background load")
{
    lobby, ingestion, apiKey, signingKey, lobbyPid, lobbyEnv, players, backgroundPlayers, backgroundRate, rate, samples,
};
pushLatency.SetAction(async (r, ct) => await Bench.PushLatencyAsync(Target(r), r.GetValue(players), r.GetValue(backgroundPlayers),
    r.GetValue(backgroundRate), r.GetValue(rate), r.GetValue(samples), ct));

var renderPlayers = new Option<int>("--players") { Description = "Signed-in players whose lobbies are loaded", DefaultValueFactory = _ => 50 };
var renderSamples = new Option<int>("--samples") { Description = "Server-rendered page loads", DefaultValueFactory = _ => 300 };
var browserSamples = new Option<int>("--browser-samples") { Description = "Page loads in Chromium (0: none)", DefaultValueFactory = _ => 40 };
var firstRender = new Command("first-render", "GET / of a signed-in player until the HTML with the rows; and in Chromium until the first row is visible")
{
    lobby, ingestion, apiKey, signingKey, lobbyPid, lobbyEnv, renderPlayers, renderSamples, browserSamples,
};
firstRender.SetAction(async (r, ct) => await Bench.FirstRenderAsync(Target(r), r.GetValue(renderPlayers), r.GetValue(renderSamples), r.GetValue(browserSamples), ct));

var count = new Option<int>("--connections") { Description = "Concurrent hub connections, one player each", DefaultValueFactory = _ => 5_000 };
var concurrency = new Option<int>("--concurrency") { Description = "Connects in flight at once (staggers the connects)", DefaultValueFactory = _ => 32 };
var updateRate = new Option<int>("--rate") { Description = "Update-triggering events a second (one per player)", DefaultValueFactory = _ => 250 };
var hold = new Option<int>("--hold") { Description = "Seconds to hold every connection before the updates", DefaultValueFactory = _ => 10 };
var connections = new Command("connections", "Opens N hub connections, then one event per player: how many held on and got their own update")
{
    lobby, ingestion, apiKey, signingKey, lobbyPid, lobbyEnv, count, concurrency, updateRate, hold,
};
connections.SetAction(async (r, ct) => await Bench.ConnectionsAsync(Target(r), r.GetValue(count), r.GetValue(concurrency), r.GetValue(updateRate), r.GetValue(hold), ct));

return await new RootCommand("Lobby benchmarks (figures, not tests)") { pushLatency, firstRender, connections }.Parse(args).InvokeAsync();

Target Target(ParseResult r) => new(
    r.GetValue(lobby), r.GetValue(ingestion), r.GetValue(apiKey), r.GetValue(signingKey), r.GetValue(lobbyPid),
    (r.GetValue(lobbyEnv) ?? []).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : ""));
