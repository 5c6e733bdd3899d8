using Shared.Contracts;

namespace Simulator.Population;

/// <summary>What is known at the end about a player: for the PAM endpoints, the live stream and the ground truth.</summary>
public sealed class PlayerState
{
    public decimal Balance { get; set; }
    public decimal BonusBalance { get; set; }
    public decimal StakeMultiplier { get; set; } = 1;
    public string? VipTier { get; set; }
    public DateTimeOffset? VipAt { get; set; }
    public DateTimeOffset? ChurnedAt { get; set; }
    public DateTimeOffset? SelfExcludedAt { get; set; }
    public DateTimeOffset? VerifiedAt { get; set; }
    public decimal? DepositLimit { get; set; }
    public bool EmailConsent { get; set; }
    public bool SmsConsent { get; set; }
    public int Sessions { get; set; }
    public int Deposits { get; set; }
    public DateTimeOffset LastActivity { get; set; }

    public bool Gone => ChurnedAt is not null || SelfExcludedAt is not null;
}

/// <summary>
/// One player's behaviour as simple generative rules, driven by one seeded <see cref="Random"/>:
/// Poisson sessions a day shaped by weekly and daily rhythm; a balance that deposits follow when it runs out
/// (a reload, sometimes) and withdrawals follow when it grows; habit and discovery in game choice; a daily churn
/// hazard (higher for drifters, whose engagement fades); VIP growth after a set number of days; now and then a
/// self-exclusion, a deposit limit or withdrawn marketing consent.
/// </summary>
public sealed class PlayerSimulation
{
    private static readonly double[] HourWeights =
        [1, 0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 0.8, 1, 1.1, 1.2, 1.3, 1.5, 1.5, 1.4, 1.4, 1.6, 1.9, 2.3, 2.7, 3, 3, 2.6, 1.8];

    /// <summary>Monday first; weekends are busier.</summary>
    private static readonly double[] WeekdayFactor = [0.85, 0.85, 0.9, 0.95, 1.2, 1.3, 1.25];

    private readonly Player _player;
    private readonly GameChooser _chooser;
    private readonly double _rollbackRate;
    private string _idPrefix;
    private int _sequence;

    public PlayerSimulation(Player player, IReadOnlyList<Game> catalogue, double rollbackRate, string idPrefix)
    {
        _player = player;
        _chooser = new GameChooser(player, catalogue);
        _rollbackRate = rollbackRate;
        _idPrefix = idPrefix;
        State = new PlayerState { EmailConsent = player.EmailConsent, SmsConsent = player.SmsConsent, LastActivity = player.RegisteredAt };
    }

    public Player Player => _player;

    public PlayerState State { get; }

    public List<Activity> Activities { get; } = [];

    public IReadOnlyList<string> Favourites => _chooser.Favourites;

    /// <summary>The at-risk drift this player goes through (<see cref="AtRiskPlan"/>); null for most players.</summary>
    public AtRiskPlan? AtRisk { get; init; }

    // How far the at-risk drift has gone today (0: none).
    private double _drift;

    /// <summary>Bets cancelled by a rollback so far.</summary>
    public int RolledBack { get; private set; }

    /// <summary>
    /// Continues the player under new ids (a live run after history): ids stay unique whatever history was replayed.
    /// </summary>
    public void ContinueWithIds(string idPrefix)
    {
        _idPrefix = idPrefix;
        _sequence = 0;
    }

    /// <summary>From registration to <paramref name="end"/>, or until the player churns or self-excludes.</summary>
    public void RunHistory(Random rng, DateTimeOffset end)
    {
        var p = _player;
        var a = p.Archetype;
        var t = p.RegisteredAt;
        if (t >= end) return;
        Add(new Activity(ActivityKind.Registered, t, NextId()));
        Add(new Activity(ActivityKind.Consent, t, NextId()) { Text = "email", Flag = p.EmailConsent });
        Add(new Activity(ActivityKind.Consent, t, NextId()) { Text = "sms", Flag = p.SmsConsent });
        if (rng.NextDouble() < 0.75) PlaySession(rng, t.AddMinutes(rng.Next(2, 90)), end);

        Span<double> starts = stackalloc double[16];
        var firstDay = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
        for (var day = firstDay; day < end && !State.Gone; day = day.AddDays(1))
        {
            var age = (day - p.RegisteredAt).TotalDays;
            var at = day.AddHours(Sampling.Pick(rng, HourWeights)).AddSeconds(rng.Next(0, 3600));
            if (p.VipAfterDays is { } vipDay && State.VipTier is null && age >= vipDay)
            {
                State.VipTier = "gold";
                State.VipAt = day;
                State.StakeMultiplier = 4;
                Add(new Activity(ActivityKind.Updated, day.AddHours(9), NextId()) { VipTier = "gold" });
            }
            else if (State.VipTier == "gold" && age >= p.VipAfterDays + 45)
            {
                State.VipTier = "platinum";
                State.StakeMultiplier = 8;
                Add(new Activity(ActivityKind.Updated, day.AddHours(9), NextId()) { VipTier = "platinum" });
            }

            var vip = State.VipTier is not null;
            var hazard = a.ChurnPerDay * (p.Drifter ? 2.5 : 1) * (vip ? 0.3 : 1);
            _drift = AtRisk?.Intensity(day) ?? 0;
            if (AtRisk is { } plan && day.AddDays(1) > plan.ExcludeAt && plan.ExcludeAt < end)
            {
                State.SelfExcludedAt = plan.ExcludeAt;
                Add(new Activity(ActivityKind.Rg, plan.ExcludeAt, NextId()) { Text = "self_exclusion", Until = plan.ExcludeAt.AddDays(180) });
                break;
            }
            if (_drift > 0) DriftDay(rng, day, end);
            else if (age > 3 && rng.NextDouble() < hazard)
            {
                State.ChurnedAt = day;
                break;
            }
            if (rng.NextDouble() < AffiliatePartners.SelfExclusionPerDay(p))
            {
                State.SelfExcludedAt = at;
                Add(new Activity(ActivityKind.Rg, at, NextId()) { Text = "self_exclusion", Until = at.AddDays(180) });
                break;
            }
            if (State.EmailConsent && rng.NextDouble() < 0.0006)
            {
                State.EmailConsent = false;
                Add(new Activity(ActivityKind.Consent, at, NextId()) { Text = "email", Flag = false });
            }
            if (State.DepositLimit is null && rng.NextDouble() < 0.0004)
            {
                State.DepositLimit = Math.Round(a.Deposit * State.StakeMultiplier * 4 / _player.ExchangeRate / 10) * 10;
                Add(new Activity(ActivityKind.Rg, at, NextId()) { Text = "deposit_limit", Amount = State.DepositLimit.Value });
            }

            var engagement = p.Drifter && _drift == 0 ? Math.Max(0.15, 1 - age / 90) : 1 + 2 * _drift;
            var mean = a.SessionsPerWeek / 7 * WeekdayFactor[((int)day.DayOfWeek + 6) % 7] * engagement * (vip ? 1.5 : 1);
            var sessions = Sampling.Poisson(rng, mean);
            var today = starts[..Math.Min(sessions, starts.Length)];
            for (var i = 0; i < today.Length; i++) today[i] = Sampling.Pick(rng, HourWeights) + rng.NextDouble();
            today.Sort();
            foreach (var hour in today) PlaySession(rng, day.AddHours(hour), end);
        }
    }

    /// <summary>One visit: a login, a deposit if the balance is short, a few games played for a number of rounds, maybe a withdrawal.</summary>
    public List<Activity> PlaySession(Random rng, DateTimeOffset start, DateTimeOffset end)
    {
        var first = Activities.Count;
        var a = _player.Archetype;
        var t = start < State.LastActivity ? State.LastActivity.AddMinutes(rng.Next(5, 30)) : start;
        if (t >= end) return [];
        State.Sessions++;
        // Mostly the player's own device; otherwise the other kind (a phone player at a desk, a desktop player out).
        var device = rng.NextDouble() < 0.85 ? _player.Device : _player.Device == "desktop" ? "mobile" : "desktop";
        Add(new Activity(ActivityKind.Login, t, NextId()) { Text = device });
        var baseStake = a.Stake * State.StakeMultiplier * (1 + 2 * (decimal)_drift) * (decimal)Sampling.LogNormal(rng, 0.4);
        var deposits = 0;
        if (State.Balance + State.BonusBalance < baseStake / _player.ExchangeRate * 5)
        {
            t = t.AddSeconds(rng.Next(20, 120));
            Deposit(rng, t);
            deposits++;
        }

        var games = 1 + Sampling.Poisson(rng, 0.8);
        var rounds = Math.Max(1, (int)(a.RoundsPerSession * (1 + 2 * _drift) * Sampling.Exponential(rng)));
        // Chasing: the drifting player reloads again and again rather than stop when the balance runs out.
        var reload = a.ReloadChance + (0.95 - a.ReloadChance) * _drift;
        var maxDeposits = 3 + (int)(5 * _drift);
        for (var g = 0; g < games && t < end; g++)
        {
            var game = _chooser.Choose(rng, a.Habit, t, device);
            var segmentStart = t;
            // Archetype amounts and bet limits are in EUR; the player bets in their own currency.
            var stakeInEur = Math.Clamp(Math.Round(baseStake * (decimal)Sampling.LogNormal(rng, 0.2), 1), Math.Max(0.1m, game.MinBet), game.MaxBet);
            var stake = Math.Max(0.1m, Math.Round(stakeInEur / _player.ExchangeRate, 1));
            var seconds = game.Category switch { "live" => 35, "table" => 20, "crash" => 15, "bingo" => 30, _ => 6 };
            var played = 0;
            for (var r = 0; r < rounds / games + 1 && t < end; r++)
            {
                if (State.Balance + State.BonusBalance < stake)
                {
                    if (deposits >= maxDeposits || rng.NextDouble() >= reload) break;
                    t = t.AddSeconds(rng.Next(20, 90));
                    Deposit(rng, t);
                    deposits++;
                    if (State.Balance + State.BonusBalance < stake) break;
                }
                played++;
                var bonus = Math.Min(stake, State.BonusBalance);
                State.BonusBalance -= bonus;
                State.Balance -= stake - bonus;
                var tx = NextId();
                var round = "r" + tx;
                var rolledBack = rng.NextDouble() < _rollbackRate;
                Add(new Activity(ActivityKind.Bet, t, tx) { GameId = game.Id, RoundId = round, Amount = stake, BonusAmount = bonus > 0 ? bonus : null, RolledBack = rolledBack });
                if (rolledBack)
                {
                    // The provider voided the round: the stake comes back and there is no win.
                    RolledBack++;
                    State.BonusBalance += bonus;
                    State.Balance += stake - bonus;
                    Add(new Activity(ActivityKind.Rollback, t.AddSeconds(rng.Next(2, 30)), NextId()) { Reference = tx });
                    t = t.AddSeconds(seconds + 30);
                    continue;
                }
                t = t.AddSeconds(seconds * (0.5 + rng.NextDouble()));
                var win = Win(rng, game, stake);
                if (win > 0)
                {
                    State.Balance += win;
                    Add(new Activity(ActivityKind.Win, t, NextId()) { GameId = game.Id, RoundId = round, Amount = win, Flag = true });
                }
            }
            if (played > 0) Add(new Activity(ActivityKind.Session, segmentStart, NextId()) { GameId = game.Id, Until = t, Text = device });
            t = t.AddSeconds(rng.Next(5, 60));
        }

        var cashOut = a.Deposit * State.StakeMultiplier * 3 / _player.ExchangeRate;
        if (State.Balance > cashOut && rng.NextDouble() < 0.7 && t < end)
        {
            var amount = Math.Floor(State.Balance * 0.8m);
            State.Balance -= amount;
            Add(new Activity(ActivityKind.Withdrawal, t.AddMinutes(rng.Next(1, 10)), NextId()) { Amount = amount, Text = "bank_transfer" });
        }
        return Activities.GetRange(first, Activities.Count - first);
    }

    private void Deposit(Random rng, DateTimeOffset t)
    {
        var a = _player.Archetype;
        var method = rng.NextDouble() < 0.6 ? "card" : rng.NextDouble() < 0.7 ? "e_wallet" : "bank_transfer";
        var amount = Math.Max(10, Math.Round(a.Deposit * State.StakeMultiplier * (1 + 2 * (decimal)_drift) * (decimal)Sampling.LogNormal(rng, 0.5) / _player.ExchangeRate / 5) * 5);
        if (State.DepositLimit is { } limit) amount = Math.Min(amount, limit);
        if (rng.NextDouble() < 0.03 + 0.25 * _drift)
        {
            Add(new Activity(ActivityKind.Deposit, t, NextId()) { Amount = amount, Text = method, Status = "rejected" });
            t = t.AddSeconds(rng.Next(10, 60));
        }
        Add(new Activity(ActivityKind.Deposit, t, NextId()) { Amount = amount, Text = method });
        State.Balance += amount;
        State.Deposits++;
        if (State.Deposits == 1 && rng.NextDouble() < 0.8)
        {
            State.VerifiedAt = t.AddHours(rng.Next(2, 72));
            // The operator's check, hours or days ahead: not the player's activity, so it must not push their next visit
            // past it (it did, so a player could play a day after churning).
            Activities.Add(new Activity(ActivityKind.Updated, State.VerifiedAt.Value, NextId()) { Text = "verified" });
        }
        if (rng.NextDouble() < a.BonusAffinity * 0.5)
        {
            var bonus = Math.Min(amount, Math.Round(100 * State.StakeMultiplier / _player.ExchangeRate));
            State.BonusBalance += bonus;
            Add(new Activity(ActivityKind.Bonus, t.AddSeconds(1), NextId()) { Amount = bonus, Text = "deposit_match" });
        }
    }

    /// <summary>A round pays with a chance set by volatility; on a hit it pays RTP/chance on average (exponentially spread, fixed for table games).</summary>
    private static decimal Win(Random rng, Game game, decimal stake)
    {
        var chance = game.Category is "live" or "table" ? 0.47 : game.Volatility switch
        {
            "low" => 0.45,
            "medium" => 0.32,
            "high" => 0.22,
            _ => 0.12,
        };
        if (rng.NextDouble() >= chance) return 0;
        var mean = (double)game.Rtp / 100 / chance;
        var multiplier = game.Category is "live" or "table" ? mean : Math.Min(1000, mean * Sampling.Exponential(rng));
        return Math.Round(stake * (decimal)multiplier, 2);
    }

    /// <summary>
    /// Live mode: an at-risk player's drift goes on past the end of history, by <paramref name="step"/> a session (up to
    /// the full drift); nothing for anyone else.
    /// </summary>
    /// <summary>How far the at-risk drift has gone (0 for everyone else).</summary>
    public double Drift => _drift;

    public void DriftFurther(double step)
    {
        if (AtRisk is not null && !State.Gone) _drift = Math.Min(1, _drift + step);
    }

    /// <summary>A drifting at-risk player's day beyond the ordinary: night sessions, and a deposit limit set early and raised later.</summary>
    private void DriftDay(Random rng, DateTimeOffset day, DateTimeOffset end)
    {
        var plan = AtRisk!;
        if (plan.SetsLimit && State.DepositLimit is null && _drift < 0.3)
        {
            State.DepositLimit = Math.Round(_player.Archetype.Deposit * 3 / _player.ExchangeRate / 10) * 10 + 10;
            Add(new Activity(ActivityKind.Rg, day.AddHours(12), NextId()) { Text = "deposit_limit", Amount = State.DepositLimit.Value });
        }
        else if (plan.SetsLimit && State.DepositLimit is { } limit && _drift > 0.5 && rng.NextDouble() < 0.15)
        {
            State.DepositLimit = limit * 2;
            Add(new Activity(ActivityKind.Rg, day.AddHours(12), NextId()) { Text = "deposit_limit", Amount = State.DepositLimit.Value });
        }
        if (rng.NextDouble() < 0.15 + 0.7 * _drift) PlaySession(rng, AtRiskPlan.NightStart(rng, _player, day), end);
    }

    private void Add(Activity activity)
    {
        Activities.Add(activity);
        if (activity.Time > State.LastActivity) State.LastActivity = activity.Time;
    }

    private string NextId() => $"{_idPrefix}{_player.Index}-{++_sequence}";
}
