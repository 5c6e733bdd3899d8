using System.ComponentModel.DataAnnotations;

namespace Ingestion.Reconciliation;

/// <summary>Deadlines and bounds of reconciliation (section <c>Reconciliation</c>).</summary>
public sealed class ReconciliationOptions : IValidatableObject
{
    public const string Section = "Reconciliation";

    /// <summary>Off, nothing is recorded (the ingest benchmark measures its cost this way); the report keeps what it had.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A bet's round not closed this long after the bet's time is an open round (contract section 4).</summary>
    public TimeSpan OpenRoundAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A rollback whose transaction has not arrived this long after the rollback did is an orphan.</summary>
    public TimeSpan OrphanRollbackAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a transaction is remembered to recognise a resend or a late rollback: at least this long after its
    /// arrival, at most twice (it is kept in generations of this length). Memory grows with the transactions of up to
    /// two horizons. A rollback arriving later than that after its transaction is taken for an orphan.
    /// </summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an outstanding item is kept; after it the item is dropped but still counted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Newest items answered per kind.</summary>
    [Range(1, 1000)]
    public int Items { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OpenRoundAfter <= TimeSpan.Zero) yield return new($"{Section}:OpenRoundAfter must be positive", [nameof(OpenRoundAfter)]);
        if (OrphanRollbackAfter <= TimeSpan.Zero) yield return new($"{Section}:OrphanRollbackAfter must be positive", [nameof(OrphanRollbackAfter)]);
        if (Horizon < OrphanRollbackAfter || Horizon < OpenRoundAfter)
        {
            yield return new($"{Section}:Horizon must be at least OpenRoundAfter and OrphanRollbackAfter", [nameof(Horizon)]);
        }
        if (Retention < Horizon) yield return new($"{Section}:Retention must be at least Horizon", [nameof(Retention)]);
    }
}
