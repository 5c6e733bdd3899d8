namespace Intelligence.Models;

/// <summary>
/// What <see cref="ModelHost"/> reads of section <c>Scoring</c> (the key stays where operators set it): its own class, so
/// the models do not depend on the scoring that uses them.
/// </summary>
public sealed class ModelHostOptions
{
    public const string Section = "Scoring";

    /// <summary>How often the served versions are checked when no promotion message arrives.</summary>
    public TimeSpan ModelCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
