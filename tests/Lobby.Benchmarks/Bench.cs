using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Playwright;

namespace Lobby.Benchmarks;

internal static class Bench
{
    private const string BetReason = "wallet.bet";
    private static readonly TimeSpan ArrivalLimit = TimeSpan.FromSeconds(10);

    public static async Task<int> PushLatencyAsync(Target target, int players, int backgroundPlayers, int backgroundRate, int rate, int samples, CancellationToken ct)
    {
        await using var product = await Product.StartAsync(target, ct);
        using var ingestion = product.Ingestion();
        var run = Guid.NewGuid().ToString("N")[..6];
        var watched = Enumerable.Range(0, players).Select(i => $"p-lat-{run}-{i:0000}").ToList();
        var others = Enumerable.Range(0, backgroundPlayers).Select(i => $"p-bg-{run}-{i:000000}").ToList();
        await Casino.LoadCatalogueAsync(ingestion, ct);
        await Casino.GiveProfilesAsync(ingestion, [.. watched, .. others], ct);

        var watchers = await ConnectAsync(product, watched, concurrency: 16, ct);
        System.Console.WriteLine($"{watchers.Count(w => w.Connected.IsCompletedSuccessfully)} of {players} players connected");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var background = Task.Run(() => BackgroundLoadAsync(ingestion, others, backgroundRate, stop.Token), ct);
        var backgroundWatch = Stopwatch.StartNew();

        // Warm-up: the first events of each path (JIT, pools) are not what a player sees in steady state.
        await MeasureAsync(ingestion, watchers, Math.Min(100, samples / 5), rate, ct);
        var latencies = await MeasureAsync(ingestion, watchers, samples, rate, ct);
        await stop.CancelAsync();
        var sent = await background;

        var lost = samples - latencies.Count;
        System.Console.WriteLine();
        System.Console.WriteLine($"push latency, POST /v1/events (one bet) → LobbyUpdated \"{BetReason}\" on the player's hub connection");
        System.Console.WriteLine($"  {players} connected players, measured at {rate}/s; background {sent / backgroundWatch.Elapsed.TotalSeconds:0} events/s achieved (asked {backgroundRate}/s) over {backgroundPlayers:N0} other players");
        System.Console.WriteLine($"  {Figures.Summary(latencies)}; lost (no push within {ArrivalLimit.TotalSeconds:0} s): {lost}");
        System.Console.WriteLine($"  misaddressed updates: {watchers.Sum(w => w.Misaddressed)}");
        System.Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        await DisposeAllAsync(watchers);
        return lost == 0 ? 0 : 1;
    }

    /// <summary>Bets for connected players at a steady rate, each timed from just before its POST to the player's push.</summary>
    private static async Task<List<double>> MeasureAsync(HttpClient ingestion, List<Watcher> watchers, int samples, int rate, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var pending = new List<Task>(samples);
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate));
        for (var i = 0; i < samples; i++)
        {
            await tick.WaitForNextTickAsync(ct);
            var watcher = watchers[i % watchers.Count];
            var game = Casino.GameId(i);
            pending.Add(Task.Run(async () =>
            {
                var arrived = watcher.Expect(BetReason);
                var sent = Stopwatch.GetTimestamp();
                await Casino.PostBetAsync(ingestion, watcher.PlayerId, game, ct);
                var at = await arrived.WaitAsync(ArrivalLimit, ct).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (long?)null, TaskScheduler.Default);
                if (at is { } a) latencies.Add(Figures.Milliseconds(sent, a));
            }, ct));
        }
        await Task.WhenAll(pending);
        return [.. latencies];
    }

    /// <summary>NDJSON batches every 100 ms to players nobody watches: Ingestion, the store and Intelligence stay busy.</summary>
    private static async Task<long> BackgroundLoadAsync(HttpClient ingestion, List<string> players, int rate, CancellationToken ct)
    {
        long sent = 0;
        var random = new Random(11);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var perTick = Math.Max(1, rate / 10);
        try
        {
            while (await tick.WaitForNextTickAsync(ct))
            {
                var batch = Enumerable.Range(0, perTick).Select(_ => (players[random.Next(players.Count)], Casino.GameId(random.Next(Casino.Games)))).ToList();
                await Casino.PostBetsAsync(ingestion, batch, ct);
                sent += batch.Count;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return sent;
    }

    public static async Task<int> FirstRenderAsync(Target target, int players, int samples, int browserSamples, CancellationToken ct)
    {
        await using var product = await Product.StartAsync(target, ct);
        using var ingestion = product.Ingestion();
        var run = Guid.NewGuid().ToString("N")[..6];
        var ids = Enumerable.Range(0, players).Select(i => $"p-fr-{run}-{i:0000}").ToList();
        await Casino.LoadCatalogueAsync(ingestion, ct);
        await Casino.GiveProfilesAsync(ingestion, ids, ct);
        // A second game each, so "Continue playing" has two tiles and the recommendation lists have a history to work from.
        await Casino.PostBetsAsync(ingestion, ids.Select((p, i) => (p, Casino.GameId(i + 7))), ct);

        // Each player signs in once (GET /enter?token=…, as the operator's site sends them) and keeps the cookie.
        var signedIn = new List<(HttpClient Http, CookieContainer Cookies)>();
        foreach (var id in ids)
        {
            var cookies = new CookieContainer();
            var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = product.LobbyUrl };
            using var enter = await http.GetAsync(new Uri($"/enter?token={product.Tokens.Mint(id)}", UriKind.Relative), ct);
            if (enter.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"/enter answered {(int)enter.StatusCode} for {id}");
            signedIn.Add((http, cookies));
        }

        var warmUp = Math.Min(30, samples / 5);
        var times = new List<double>(samples);
        var withoutRows = 0;
        for (var i = 0; i < warmUp + samples; i++)
        {
            var (http, _) = signedIn[i % signedIn.Count];
            var started = Stopwatch.GetTimestamp();
            var html = await http.GetStringAsync(new Uri("/", UriKind.Relative), ct);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (i < warmUp) continue;
            if (!html.Contains("data-testid=\"row-", StringComparison.Ordinal)) withoutRows++;
            times.Add(elapsed);
        }
        System.Console.WriteLine();
        System.Console.WriteLine("first render, GET / of a signed-in player → the whole server-rendered HTML (rows included)");
        System.Console.WriteLine($"  {Figures.Summary(times)}; pages without rows: {withoutRows}");

        if (browserSamples > 0) await BrowserFirstRowAsync(product.LobbyUrl, signedIn.Select(s => s.Cookies).ToList(), browserSamples);
        System.Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var (http, _) in signedIn) http.Dispose();
        return withoutRows == 0 ? 0 : 1;
    }

    /// <summary>Debian's Chromium (never a downloaded browser), a fresh context per load carrying the player's cookie.</summary>
    private static async Task BrowserFirstRowAsync(Uri lobby, List<CookieContainer> players, int samples)
    {
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            System.Console.WriteLine($"  (no {chromium}: apt-get install -y chromium for the browser figures)");
            return;
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var firstRow = new List<double>(samples);
        var live = new List<double>(samples);
        var warmUp = 5;
        for (var i = 0; i < warmUp + samples; i++)
        {
            // The player's sign-in cookie (and whatever else the lobby set), as their browser would carry it.
            var cookies = players[i % players.Count].GetCookies(lobby)
                .Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = lobby.ToString() }).ToList();
            if (!cookies.Any(c => c.Name == Players.PlayerSignIn.CookieName)) throw new InvalidOperationException("the player has no sign-in cookie");
            await using var context = await browser.NewContextAsync();
            await context.AddCookiesAsync(cookies);
            var page = await context.NewPageAsync();
            var started = Stopwatch.GetTimestamp();
            await page.GotoAsync(lobby.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("[data-testid^='row-']").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 30_000 });
            var rowAt = Stopwatch.GetTimestamp();
            await page.Locator("[data-live='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 30_000 });
            var liveAt = Stopwatch.GetTimestamp();
            if (i < warmUp) continue;
            firstRow.Add(Figures.Milliseconds(started, rowAt));
            live.Add(Figures.Milliseconds(started, liveAt));
        }
        System.Console.WriteLine("first render in Chromium (headless), navigation start → first row visible");
        System.Console.WriteLine($"  {Figures.Summary(firstRow)}");
        System.Console.WriteLine("  … → the page is live (interactive circuit connected, data-live=true)");
        System.Console.WriteLine($"  {Figures.Summary(live)}");
    }

    public static async Task<int> ConnectionsAsync(Target target, int count, int concurrency, int rate, int holdSeconds, CancellationToken ct)
    {
        var files = OpenFileLimit();
        if (files is { } limit && limit < count * 2 + 256)
        {
            System.Console.WriteLine($"warning: open files limit {limit} is low for {count:N0} connections here and in the lobby; run under `ulimit -n 65536`");
        }
        await using var product = await Product.StartAsync(target, ct);
        using var ingestion = product.Ingestion();
        var run = Guid.NewGuid().ToString("N")[..6];
        var ids = Enumerable.Range(0, count).Select(i => $"p-cx-{run}-{i:000000}").ToList();
        await Casino.LoadCatalogueAsync(ingestion, ct);
        await Casino.GiveProfilesAsync(ingestion, ids, ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var before = product.LobbyResidentBytes();

        var connecting = Stopwatch.StartNew();
        var watchers = await ConnectAsync(product, ids, concurrency, ct);
        var connectSeconds = connecting.Elapsed.TotalSeconds;
        var connected = watchers.Count(w => w.Connected.IsCompletedSuccessfully);
        System.Console.WriteLine($"{connected:N0} of {count:N0} connected (rows received) in {connectSeconds:0.0} s ({connected / connectSeconds:0} connections/s)");
        await Task.Delay(TimeSpan.FromSeconds(holdSeconds), ct);
        var held = watchers.Count(w => w.IsConnected);
        var afterConnect = product.LobbyResidentBytes();

        // One bet for every player, paced; each player's push is timed from the POST of the batch that carried their bet.
        var arrivals = new Task<long>[watchers.Count];
        var sentAt = new long[watchers.Count];
        var perBatch = Math.Max(1, rate / 10);
        using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
        {
            for (var start = 0; start < watchers.Count; start += perBatch)
            {
                await tick.WaitForNextTickAsync(ct);
                var end = Math.Min(start + perBatch, watchers.Count);
                var now = Stopwatch.GetTimestamp();
                for (var i = start; i < end; i++)
                {
                    arrivals[i] = watchers[i].Expect(BetReason);
                    sentAt[i] = now;
                }
                await Casino.PostBetsAsync(ingestion, Enumerable.Range(start, end - start).Select(i => (watchers[i].PlayerId, Casino.GameId(i + 3))), ct);
            }
        }
        try
        {
            await Task.WhenAll(arrivals).WaitAsync(TimeSpan.FromSeconds(120), ct);
        }
        catch (TimeoutException)
        {
        }
        var delivered = arrivals.Select((a, i) => a.IsCompletedSuccessfully ? Figures.Milliseconds(sentAt[i], a.Result) : (double?)null).OfType<double>().ToList();
        var afterUpdates = product.LobbyResidentBytes();
        var stillConnected = watchers.Count(w => w.IsConnected);

        System.Console.WriteLine();
        System.Console.WriteLine($"concurrent hub connections, one lobby process, one player each (WebSockets, connects {concurrency} at a time)");
        System.Console.WriteLine($"  connections held after {holdSeconds} s: {held:N0} of {count:N0}; still connected after the updates: {stillConnected:N0}");
        System.Console.WriteLine($"  own update delivered: {delivered.Count:N0} of {count:N0} ({100.0 * delivered.Count / count:0.00} %); misaddressed updates: {watchers.Sum(w => w.Misaddressed)}");
        System.Console.WriteLine($"  event → push, {rate}/s paced: {Figures.Summary(delivered)}");
        if (before is { } b && afterConnect is { } c && afterUpdates is { } u)
        {
            System.Console.WriteLine($"  lobby memory (RSS): {Mb(b)} before, {Mb(c)} holding the connections, {Mb(u)} after the updates → " +
                              $"{(c - b) / Math.Max(1, held):N0} bytes per connection");
        }
        System.Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        await DisposeAllAsync(watchers);
        return delivered.Count == count && watchers.Sum(w => w.Misaddressed) == 0 ? 0 : 1;
    }

    /// <summary>Connects one watcher per player, a few at a time, and waits for each one's rows (or gives up after a minute).</summary>
    private static async Task<List<Watcher>> ConnectAsync(Product product, IReadOnlyList<string> players, int concurrency, CancellationToken ct)
    {
        var watchers = players.Select(p => new Watcher(product.LobbyUrl, p, product.Tokens.Mint(p, TimeSpan.FromHours(4)))).ToList();
        var failures = new ConcurrentDictionary<string, int>();
        var done = 0;
        await Parallel.ForEachAsync(watchers, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (w, token) =>
        {
            try
            {
                await w.StartAsync(token);
                await w.Connected.WaitAsync(TimeSpan.FromSeconds(60), token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                var reason = w.ClosedBecause is { } closed ? $"closed by the server: {closed}" : $"{e.GetType().Name}: {e.Message}";
                failures.AddOrUpdate(reason[..Math.Min(160, reason.Length)], 1, (_, n) => n + 1);
            }
            var n = Interlocked.Increment(ref done);
            if (n % 500 == 0) System.Console.WriteLine($"  connected {n:N0}");
        });
        foreach (var (error, n) in failures) System.Console.WriteLine($"  {n:N0} connects failed: {error}");
        return watchers;
    }

    private static async Task DisposeAllAsync(IEnumerable<Watcher> watchers) =>
        await Parallel.ForEachAsync(watchers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (w, _) => await w.DisposeAsync());

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0} MiB";

    private static long? OpenFileLimit()
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        return long.TryParse(soft, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
