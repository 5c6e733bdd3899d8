using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Lobby.Console;

public static class ConsoleRoles
{
    /// <summary>Builds segments and placements, reads insight.</summary>
    public const string Marketer = "marketer";
    /// <summary>Everything a marketer does, plus the audit log.</summary>
    public const string Admin = "admin";
    /// <summary>Works the safer-gambling case queue (players at harm risk, their markers, notes and outcomes), and nothing else.</summary>
    public const string SaferGambling = "safer-gambling";
    /// <summary>On call for the integrations: the operations page (feeds, reconciliation, alerts), and no player data.</summary>
    public const string Operator = "operator";
    public static readonly IReadOnlyList<string> All = [Marketer, Admin, SaferGambling, Operator];
}

/// <summary>
/// Section <c>Console</c>: who may sign in to the marketers' console, and the Intelligence key it works with. In
/// Development, with no users configured, two documented users exist (<see cref="DevelopmentUsers"/>); elsewhere no
/// users means every sign-in is refused, and start-up says so in the log.
/// </summary>
public sealed partial class ConsoleOptions : IValidatableObject
{
    public const string Section = "Console";

    /// <summary>The Development users, name and password: documented in Lobby.Blazor/README.md.</summary>
    public static readonly IReadOnlyList<(string Name, string Role, string Password)> DevelopmentUsers =
    [
        ("marketer", ConsoleRoles.Marketer, "marketer-dev"),
        ("admin", ConsoleRoles.Admin, "admin-dev"),
        ("safety", ConsoleRoles.SaferGambling, "safety-dev"),
        ("operator", ConsoleRoles.Operator, "operator-dev"),
    ];

    /// <summary>Fewer rounds for the Development users only: hashed at every start, and their passwords are public anyway.</summary>
    internal const int DevelopmentIterations = 10_000;

    public List<ConsoleUserEntry> Users { get; set; } = [];

    /// <summary>
    /// Intelligence key with the <c>segments:write</c> and <c>scores:read</c> scopes, for the console's calls (the
    /// player lobby's own <c>Lobby:IntelligenceApiKey</c> needs only <c>scores:read</c>). Required once users exist,
    /// outside Development.
    /// </summary>
    public string? IntelligenceApiKey { get; set; }

    /// <summary>Base address of Ingestion, which the operations page reads (feeds, reconciliation, alerts).</summary>
    [Required, Url]
    public string IngestionUrl { get; set; } = "http://127.0.0.1:5180";

    /// <summary>
    /// Ingestion key with the <c>ops:read</c> scope, for the operations page (only operators' and admins' calls use it).
    /// Without it the page says the operations view is not set up; in Development the Development key is used.
    /// </summary>
    public string? IngestionApiKey { get; set; }

    /// <summary>How long a console sign-in lasts without activity.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed sign-ins for one name within <see cref="LockoutWindow"/> before that name must wait.</summary>
    [Range(1, 1000)]
    public int MaxFailuresPerUser { get; set; } = 5;

    /// <summary>
    /// Failed sign-ins from one client address within <see cref="LockoutWindow"/> before it must wait. Behind a reverse
    /// proxy, forward the client's address (ASP.NET Core's forwarded headers), or every user shares the proxy's.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxFailuresPerAddress { get; set; } = 20;

    /// <summary>How long failed sign-ins count.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan LockoutWindow { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Users.Count; i++)
        {
            var user = Users[i];
            var at = $"Console:Users:{i}";
            if (!UserName().IsMatch(user.Name ?? ""))
            {
                yield return new ValidationResult(
                    $"{at}:Name '{user.Name}' must be 1–64 letters, digits or . _ @ - (it is shown in audit logs and sent as X-Actor).", [nameof(Users)]);
            }
            else if (!seen.Add(user.Name!))
            {
                yield return new ValidationResult($"{at}:Name '{user.Name}' is configured twice.", [nameof(Users)]);
            }
            if (!ConsoleRoles.All.Contains(user.Role ?? ""))
            {
                yield return new ValidationResult(
                    $"{at}:Role '{user.Role}' is not a console role; use {string.Join(" or ", ConsoleRoles.All)}.", [nameof(Users)]);
            }
            if (!ConsolePasswords.TryParse(user.PasswordHash, out _, out var error))
            {
                yield return new ValidationResult($"{at}:PasswordHash {error}.", [nameof(Users)]);
            }
        }
        if (Users.Count > 0 && string.IsNullOrWhiteSpace(IntelligenceApiKey))
        {
            yield return new ValidationResult(
                "Console:IntelligenceApiKey is required when console users are configured: set an Intelligence key with the segments:write and scores:read scopes, audit:read and segments:export for the audit page and the CSV download, affiliates:read for the affiliates page and harm:cases for the safer-gambling queue (env Console__IntelligenceApiKey).",
                [nameof(IntelligenceApiKey)]);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex UserName();
}

/// <summary>One console user (<c>Console__Users__0__Name</c>, <c>__Role</c>, <c>__PasswordHash</c>).</summary>
public sealed class ConsoleUserEntry
{
    public string? Name { get; set; }

    /// <summary><c>marketer</c>, <c>admin</c>, <c>safer-gambling</c> or <c>operator</c>.</summary>
    public string? Role { get; set; }

    /// <summary>From <c>dotnet Lobby.Blazor.dll hash-password</c>; never the password itself.</summary>
    public string? PasswordHash { get; set; }
}
