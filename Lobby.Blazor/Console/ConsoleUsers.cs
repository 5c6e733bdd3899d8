using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace Lobby.Console;

/// <summary>A signed-in console user: who they are and what they may do.</summary>
public sealed record ConsoleUser(string Name, string Role)
{
    public bool IsAdmin => Role == ConsoleRoles.Admin;

    /// <summary>The identity the console's cookie carries (its authentication type is the console's scheme).</summary>
    public ClaimsPrincipal ToPrincipal() => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, Name), new Claim(ClaimTypes.Role, Role)],
        ConsoleSignIn.Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>
    /// The console user among the principal's identities, or null. Only an identity the console's own scheme issued
    /// counts, so a signed-in player (whose identity comes from the lobby's cookie or a player token) is never one.
    /// </summary>
    public static ConsoleUser? From(ClaimsPrincipal? principal)
    {
        if (principal is null) return null;
        foreach (var identity in principal.Identities)
        {
            if (!identity.IsAuthenticated || identity.AuthenticationType != ConsoleSignIn.Scheme) continue;
            var name = identity.FindFirst(ClaimTypes.Name)?.Value;
            var role = identity.FindFirst(ClaimTypes.Role)?.Value;
            if (!string.IsNullOrEmpty(name) && role is not null && ConsoleRoles.All.Contains(role)) return new ConsoleUser(name, role);
        }
        return null;
    }
}

/// <summary>The users configured under <c>Console:Users</c>, and password checks against them.</summary>
public sealed class ConsoleUserDirectory
{
    private readonly Dictionary<string, (ConsoleUser User, ConsolePasswords.StoredHash Hash)> _users = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Checked for names nobody has, so a wrong name takes as long as a wrong password.</summary>
    private readonly ConsolePasswords.StoredHash _decoy;

    public ConsoleUserDirectory(IOptions<ConsoleOptions> options)
    {
        foreach (var user in options.Value.Users)
        {
            // Options validation has already refused anything that does not parse.
            if (ConsolePasswords.TryParse(user.PasswordHash, out var hash, out _)) _users[user.Name!] = (new ConsoleUser(user.Name!, user.Role!), hash);
        }
        var iterations = _users.Count == 0 ? ConsolePasswords.DefaultIterations : _users.Values.Max(u => u.Hash.Iterations);
        if (!ConsolePasswords.TryParse(ConsolePasswords.Hash("decoy", iterations), out _decoy, out var error)) throw new InvalidOperationException(error);
    }

    public bool HasUsers => _users.Count > 0;

    /// <summary>The user as configured now (names match case-insensitively), or null.</summary>
    public ConsoleUser? Find(string? name) =>
        name is not null && _users.TryGetValue(name, out var user) ? user.User : null;

    /// <summary>The user whose name and password these are, or null.</summary>
    public ConsoleUser? Verify(string? name, string? password)
    {
        if (string.IsNullOrEmpty(password)) return null;
        if (name is null || !_users.TryGetValue(name, out var user))
        {
            ConsolePasswords.Verify(password, _decoy);
            return null;
        }
        return ConsolePasswords.Verify(password, user.Hash) ? user.User : null;
    }
}
