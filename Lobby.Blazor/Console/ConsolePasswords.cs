using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lobby.Console;

/// <summary>
/// Console passwords are kept only as PBKDF2-SHA256 hashes, written <c>pbkdf2-sha256$iterations$salt$hash</c> (salt and
/// hash in base64), so the iteration count can rise without invalidating the hashes already configured.
/// </summary>
public static class ConsolePasswords
{
    public const string Algorithm = "pbkdf2-sha256";

    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Algorithm, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>True when <paramref name="encoded"/> is a hash this class can check, else why not.</summary>
    public static bool TryParse(string? encoded, out StoredHash hash, out string? error)
    {
        hash = default;
        var parts = encoded?.Split('$') ?? [];
        if (parts.Length != 4 || parts[0] != Algorithm)
        {
            error = $"is not a '{Algorithm}$iterations$salt$hash' string (make one with: dotnet Lobby.Blazor.dll hash-password)";
            return false;
        }
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            error = "has an iteration count that is not a positive whole number";
            return false;
        }
        try
        {
            hash = new StoredHash(iterations, Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]));
        }
        catch (FormatException)
        {
            error = "has a salt or hash that is not base64";
            return false;
        }
        if (hash.Salt.Length < 8 || hash.Hash.Length < 16)
        {
            error = "has a salt or hash too short to be one this console made";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Whether the password matches, comparing in constant time.</summary>
    public static bool Verify(string password, StoredHash stored)
    {
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), stored.Salt, stored.Iterations, HashAlgorithmName.SHA256, stored.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, stored.Hash);
    }

    public readonly record struct StoredHash(int Iterations, byte[] Salt, byte[] Hash);
}

/// <summary>
/// <c>dotnet Lobby.Blazor.dll hash-password</c>: reads a password (one line) and prints the hash to put in
/// <c>Console:Users:N:PasswordHash</c>. Typed at a terminal it is not echoed; it can also be piped in. Either way it stays
/// out of the shell's history and of the process list.
/// </summary>
public static class HashPasswordCommand
{
    public const string Name = "hash-password";

    public static bool Matches(string[] args) => args is [Name, ..];

    /// <summary>The password's source: the terminal without echo, or standard input when it is redirected.</summary>
    public static TextReader Input() => System.Console.IsInputRedirected ? System.Console.In : new HiddenTerminalReader();

    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var iterations = ConsolePasswords.DefaultIterations;
        if (args is [_, "--iterations", var text] && (!int.TryParse(text, CultureInfo.InvariantCulture, out iterations) || iterations < 1))
        {
            error.WriteLine($"hash-password: --iterations needs a positive whole number, not '{text}'");
            return 2;
        }
        if (args is not ([_] or [_, "--iterations", _]))
        {
            error.WriteLine("Usage: dotnet Lobby.Blazor.dll hash-password [--iterations N] < password.txt   (or type the password and press Enter)");
            return 2;
        }
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: no password on standard input");
            return 2;
        }
        output.WriteLine(ConsolePasswords.Hash(password, iterations));
        return 0;
    }
}

/// <summary>Reads a line from the terminal without showing what is typed.</summary>
internal sealed class HiddenTerminalReader : TextReader
{
    public override string? ReadLine()
    {
        System.Console.Error.Write("Password: ");
        var line = new System.Text.StringBuilder();
        while (true)
        {
            var key = System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (line.Length > 0) line.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) line.Append(key.KeyChar);
        }
        System.Console.Error.WriteLine();
        return line.ToString();
    }
}
