using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Lobby.Console;
using Lobby.Players;
using Microsoft.Extensions.Options;

namespace Lobby.UnitTests.Console;

public sealed class ConsolePasswordsTests
{
    [Fact]
    public void Hash_VerifiesItsPassword_AndNoOther()
    {
        var hash = ConsolePasswords.Hash("correct horse", 1_000);

        Assert.True(ConsolePasswords.TryParse(hash, out var stored, out var error), error);
        Assert.Equal(1_000, stored.Iterations);
        Assert.True(ConsolePasswords.Verify("correct horse", stored));
        Assert.False(ConsolePasswords.Verify("correct horse ", stored));
        Assert.False(ConsolePasswords.Verify("Correct horse", stored));
    }

    [Fact]
    public void SamePassword_HashesDifferently_EachTime()
    {
        Assert.NotEqual(ConsolePasswords.Hash("pw", 1_000), ConsolePasswords.Hash("pw", 1_000));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hunter2")]
    [InlineData("bcrypt$10$abc$def")]
    [InlineData("pbkdf2-sha256$many$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void SomethingElse_IsNotTakenForAHash(string encoded)
    {
        Assert.False(ConsolePasswords.TryParse(encoded, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Command_ReadsThePasswordFromStandardInput_AndPrintsItsHash()
    {
        var output = new StringWriter();

        var exit = HashPasswordCommand.Run(["hash-password", "--iterations", "1000"], new StringReader("s3cret\n"), output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.True(ConsolePasswords.TryParse(output.ToString().Trim(), out var stored, out _));
        Assert.True(ConsolePasswords.Verify("s3cret", stored));
    }

    [Fact]
    public void Command_WithoutAPassword_Fails()
    {
        var error = new StringWriter();

        Assert.Equal(2, HashPasswordCommand.Run(["hash-password"], new StringReader(""), new StringWriter(), error));
        Assert.Contains("no password", error.ToString(), StringComparison.Ordinal);
    }
}

public sealed class ConsoleUsersTests
{
    private static ConsoleOptions Options(params ConsoleUserEntry[] users) => new() { Users = [.. users], IntelligenceApiKey = "k" };

    private static ConsoleUserEntry User(string? name, string? role, string? hash = null) =>
        new() { Name = name, Role = role, PasswordHash = hash ?? ConsolePasswords.Hash("pw", 1_000) };

    private static List<string> Problems(ConsoleOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    [Fact]
    public void Directory_ChecksPasswords_AndNamesIgnoreCase()
    {
        var users = new ConsoleUserDirectory(Microsoft.Extensions.Options.Options.Create(Options(User("Maria", ConsoleRoles.Admin))));

        Assert.Equal(new ConsoleUser("Maria", ConsoleRoles.Admin), users.Verify("maria", "pw"));
        Assert.Null(users.Verify("maria", "wrong"));
        Assert.Null(users.Verify("nobody", "pw"));
        Assert.Null(users.Verify("maria", ""));
        Assert.True(users.HasUsers);
    }

    [Fact]
    public void Options_RefuseUnknownRoles_BadHashes_DuplicateNames_AndUsersWithoutAKey()
    {
        Assert.Empty(Problems(Options(User("ann", ConsoleRoles.Marketer))));
        Assert.Contains(Problems(Options(User("ann", "owner"))), p => p.Contains("not a console role", StringComparison.Ordinal));
        Assert.Contains(Problems(Options(User("ann", ConsoleRoles.Admin, "plain-text"))), p => p.Contains("PasswordHash", StringComparison.Ordinal));
        Assert.Contains(Problems(Options(User("ann", ConsoleRoles.Admin), User("ANN", ConsoleRoles.Marketer))), p => p.Contains("twice", StringComparison.Ordinal));
        Assert.Contains(Problems(Options(User("ann smith", ConsoleRoles.Admin))), p => p.Contains("Name", StringComparison.Ordinal));
        var keyless = Options(User("ann", ConsoleRoles.Admin));
        keyless.IntelligenceApiKey = null;
        Assert.Contains(Problems(keyless), p => p.Contains("Console:IntelligenceApiKey", StringComparison.Ordinal));
        Assert.Empty(Problems(new ConsoleOptions()));
    }

    [Fact]
    public void ConsoleUser_IsFoundOnlyInAnIdentityTheConsoleIssued()
    {
        var marketer = new ConsoleUser("ann", ConsoleRoles.Marketer);
        var player = PlayerTokens.Identity("p-1", "Cookies");
        // A player's identity that somehow carried a role claim still is not a console user.
        player.AddClaim(new Claim(ClaimTypes.Role, ConsoleRoles.Admin));
        player.AddClaim(new Claim(ClaimTypes.Name, "ann"));

        Assert.Equal(marketer, ConsoleUser.From(marketer.ToPrincipal()));
        Assert.Null(ConsoleUser.From(new ClaimsPrincipal(player)));
        Assert.Equal(marketer, ConsoleUser.From(new ClaimsPrincipal([player, .. marketer.ToPrincipal().Identities])));
        Assert.Null(ConsoleUser.From(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    [Theory]
    [InlineData(null, "/console")]
    [InlineData("/console/segments/seg-1?tab=members", "/console/segments/seg-1?tab=members")]
    [InlineData("/console", "/console")]
    [InlineData("/", "/console")]
    [InlineData("https://evil.example/console", "/console")]
    [InlineData("//evil.example/console", "/console")]
    [InlineData("/console//evil.example", "/console")]
    [InlineData("/console\\..\\dev", "/console")]
    [InlineData("/consolex", "/console")]
    [InlineData("/console/login?returnUrl=%2Fconsole", "/console")]
    public void ReturnUrl_StaysInsideTheConsole(string? asked, string expected)
    {
        Assert.Equal(expected, ConsoleSignIn.SafeReturnUrl(asked));
    }
}
