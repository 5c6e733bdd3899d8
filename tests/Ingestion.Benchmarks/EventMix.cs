using System.Globalization;
using System.Text;

namespace Ingestion.Benchmarks;

/// <summary>
/// A deterministic, casino-shaped stream of canonical events as NDJSON batches. Players come online in sessions
/// (a login, then on average <see cref="EventsPerSession"/> events, then a game session record): mostly bets and
/// wins on their favourite games, some rollbacks, payments (a few pending), and bonuses; a registration the first
/// time a player appears. Who comes online is skewed (a few players play a lot), a few thousand are online at
/// once, and time moves forward through <c>days</c> as the stream goes on, so the fold sees a realistic feed.
/// </summary>
public sealed class EventMix
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Providers = ["pragmatic", "netent", "evolution", "playngo", "hacksaw", "nolimit", "relax", "push", "btg", "quickspin"];
    private static readonly string[] Words = ["gates", "sweet", "book", "dead", "fire", "gold", "wolf", "big", "bass", "starburst", "mega", "lucky", "crazy", "wild", "sugar"];
    private static readonly string[] Devices = ["mobile", "desktop", "tablet"];
    private static readonly string[] Countries = ["MT", "DE", "SE", "FI", "GB", "CA", "NZ", "BR"];

    private readonly Random _rng;
    private readonly int _players;
    private readonly string[] _games;
    private readonly TimeSpan _span;
    private readonly long _total;
    private readonly bool[] _registered;
    private readonly long[] _lastBet;
    private readonly int[] _favourite;
    private readonly int[] _online;
    private readonly DateTimeOffset[] _since;
    private long _n;

    public const int EventsPerSession = 30;

    public EventMix(int seed, int players, int games, int days, long total)
    {
        _rng = new Random(seed);
        _players = players;
        _games = Enumerable.Range(0, games)
            .Select(i => $"{Providers[i % Providers.Length]}-{Words[i / Providers.Length % Words.Length]}-{i}")
            .ToArray();
        _span = TimeSpan.FromDays(days);
        _total = total;
        _registered = new bool[players];
        _lastBet = new long[players];
        _favourite = new int[players];
        for (var p = 0; p < players; p++) _favourite[p] = Skewed(games);
        _online = new int[Math.Clamp(players / 20, 1, 1_000)];
        _since = new DateTimeOffset[_online.Length];
        for (var i = 0; i < _online.Length; i++) _online[i] = -1;
    }

    public static string PlayerId(int index) => $"p-{index.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>The next batch of <paramref name="size"/> events, one JSON object a line.</summary>
    public byte[] NextBatch(int size)
    {
        var sb = new StringBuilder(size * 340);
        for (var i = 0; i < size; i++) Next(sb);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private void Next(StringBuilder sb)
    {
        // Time follows the stream's progress, with a few minutes of jitter (feeds are not perfectly ordered).
        var at = Start + _span * ((double)_n / _total) + TimeSpan.FromSeconds(_rng.Next(-300, 300));
        var time = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var n = _n++;
        var slot = _rng.Next(_online.Length);
        var p = _online[slot];
        if (p < 0 || _rng.Next(EventsPerSession) == 0)
        {
            // This one goes offline (its game session is recorded) and someone else logs in.
            if (p >= 0)
            {
                var started = (_since[slot] < at ? _since[slot] : at).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                Append(sb, n, "/games", "game.session", time, PlayerId(p),
                    $$"""{"gameId":"{{_games[_favourite[p]]}}","startedAt":"{{started}}","endedAt":"{{time}}","device":"mobile"}""");
                _online[slot] = -1;
                return;
            }
            p = Skewed(_players);
            _online[slot] = p;
            _since[slot] = at;
            if (_registered[p])
            {
                Append(sb, n, "/pam", "player.login", time, PlayerId(p), $$"""{"device":"{{Devices[_rng.Next(Devices.Length)]}}"}""");
                return;
            }
        }
        var player = PlayerId(p);
        if (!_registered[p])
        {
            _registered[p] = true;
            Append(sb, n, "/pam", "player.registered", time, player,
                $$"""{"country":"{{Countries[p % Countries.Length]}}","currency":"EUR","channel":"web","affiliateId":"aff-{{p % 40}}"}""");
            return;
        }
        var game = _games[_rng.Next(4) == 0 ? _rng.Next(_games.Length) : (_favourite[p] + _rng.Next(3)) % _games.Length];
        var roll = _rng.Next(1000);
        if (roll < 600 || roll >= 965 || (roll < 930 && _lastBet[p] == 0))
        {
            _lastBet[p] = n;
            var amount = Money(0.1, 20);
            var bonus = _rng.Next(10) == 0 ? $",\"bonusAmount\":{amount}" : "";
            Append(sb, n, "/wallet", "wallet.bet", time, player,
                $$"""{"transactionId":"tx-{{n}}","roundId":"r-{{n}}","gameId":"{{game}}","amount":{{amount}},"currency":"EUR"{{bonus}}}""");
        }
        else if (roll < 930)
        {
            var round = _lastBet[p];
            _lastBet[p] = 0;
            var amount = _rng.Next(10) < 6 ? "0" : Money(0.2, 60);
            Append(sb, n, "/wallet", "wallet.win", time, player,
                $$"""{"transactionId":"tx-{{n}}","roundId":"r-{{round}}","gameId":"{{game}}","amount":{{amount}},"currency":"EUR","roundClosed":true}""");
        }
        else if (roll < 937 && _lastBet[p] != 0)
        {
            Append(sb, n, "/wallet", "wallet.rollback", time, player,
                $$"""{"transactionId":"rb-{{n}}","referenceTransactionId":"tx-{{_lastBet[p]}}"}""");
            _lastBet[p] = 0;
        }
        else if (roll < 955)
        {
            var status = _rng.Next(10) == 0 ? "pending" : "approved";
            Append(sb, n, "/payments", "wallet.deposit", time, player,
                $$"""{"transactionId":"dep-{{n}}","amount":{{Money(10, 500)}},"currency":"EUR","status":"{{status}}","method":"card"}""");
        }
        else if (roll < 960)
        {
            Append(sb, n, "/payments", "wallet.withdrawal", time, player,
                $$"""{"transactionId":"wd-{{n}}","amount":{{Money(20, 1000)}},"currency":"EUR","status":"approved"}""");
        }
        else
        {
            Append(sb, n, "/crm", "bonus.granted", time, player,
                $$"""{"bonusId":"bo-{{n}}","amount":{{Money(5, 50)}},"currency":"EUR","kind":"deposit_match"}""");
        }
    }

    private static void Append(StringBuilder sb, long n, string source, string type, string time, string player, string data) =>
        sb.Append(CultureInfo.InvariantCulture,
            $$"""{"specversion":"1.0","id":"ev-{{n}}","source":"{{source}}","type":"{{type}}","time":"{{time}}","subject":"{{player}}","data":{{data}}}""")
          .Append('\n');

    private string Money(double min, double max) =>
        Math.Round(min + (_rng.NextDouble() * (max - min)), 2).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Index in [0, count), squared so low indices are far more frequent (a few players and games dominate).</summary>
    private int Skewed(int count)
    {
        var u = _rng.NextDouble();
        return Math.Min(count - 1, (int)(count * u * u));
    }
}
