using Simulator.Population;

namespace Simulator.History;

/// <summary>Money totals in the base currency (EUR), counted as a profile counts them: approved payments, bets not rolled back.</summary>
public sealed record Totals(
    long DepositCount, decimal DepositAmount, long WithdrawalCount, decimal WithdrawalAmount,
    long BetCount, decimal StakeAmount, decimal WinAmount, decimal BonusStakeAmount)
{
    public static readonly Totals Zero = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static Totals Of(Player p, IEnumerable<Activity> activities)
    {
        var list = activities as IReadOnlyCollection<Activity> ?? activities.ToList();
        var cancelled = list.Where(a => a.Kind == ActivityKind.Rollback).Select(a => a.Reference).ToHashSet();
        // A payment counts when approved is its top state (contract 1b): a chargeback or a reversal takes it out again.
        var overturned = list.Where(a => a.Kind is ActivityKind.Deposit or ActivityKind.Withdrawal && a.Status is "chargeback" or "reversed" or "refunded")
            .Select(a => a.Id).ToHashSet();
        long deposits = 0, withdrawals = 0, bets = 0;
        decimal deposited = 0, withdrawn = 0, staked = 0, won = 0, bonusStaked = 0;
        foreach (var a in list)
        {
            if (cancelled.Contains(a.Id) || overturned.Contains(a.Id)) continue;
            switch (a.Kind)
            {
                case ActivityKind.Deposit when a.Status == "approved":
                    deposits++;
                    deposited += Base(p, a.Amount);
                    break;
                case ActivityKind.Withdrawal when a.Status == "approved":
                    withdrawals++;
                    withdrawn += Base(p, a.Amount);
                    break;
                case ActivityKind.Bet:
                    bets++;
                    staked += Base(p, a.Amount);
                    bonusStaked += a.BonusAmount is { } b ? Base(p, b) : 0;
                    break;
                case ActivityKind.Win:
                    won += Base(p, a.Amount);
                    break;
            }
        }
        return new(deposits, deposited, withdrawals, withdrawn, bets, staked, won, bonusStaked);
    }

    /// <summary>As Ingestion converts: amount × rate, kept to 1/10,000 of the base currency.</summary>
    public static decimal Base(Player p, decimal amount) => Math.Round(amount * p.ExchangeRate, 4, MidpointRounding.AwayFromZero);

    public Totals Add(Totals o) => new(DepositCount + o.DepositCount, DepositAmount + o.DepositAmount, WithdrawalCount + o.WithdrawalCount,
        WithdrawalAmount + o.WithdrawalAmount, BetCount + o.BetCount, StakeAmount + o.StakeAmount, WinAmount + o.WinAmount,
        BonusStakeAmount + o.BonusStakeAmount);
}

public sealed record PlayerTotals(string PlayerId, string Archetype, Totals Totals);

/// <summary>summary.json: what the generated history amounts to, i.e. what the profiles must show once it is loaded.</summary>
public sealed record HistorySummary(
    int Seed, int Players, int Days, DateTimeOffset Start, DateTimeOffset End, int Games,
    long EventLines, long DuplicateLines, long Rollbacks, Totals Overall,
    IReadOnlyDictionary<string, int> Archetypes, IReadOnlyList<PlayerTotals> PerPlayer);

/// <summary>truth.ndjson, one a line: the latent facts the simulator used; for model evaluation only, never for training features.</summary>
public sealed record PlayerTruth(
    string PlayerId, string Archetype, bool Drifter, DateTimeOffset RegisteredAt, DateTimeOffset? ChurnedAt,
    DateTimeOffset? SelfExcludedAt, DateTimeOffset? VipAt, string? VipTier, bool EmailConsent,
    IReadOnlyDictionary<string, double> ThemeTaste, IReadOnlyDictionary<string, double> ProviderTaste,
    IReadOnlyList<string> Favourites, int Sessions, DateTimeOffset? AtRiskFrom = null, DateTimeOffset? AtRiskExcludeAt = null);
