using Lobby.Players;
using Microsoft.Extensions.Options;

namespace Lobby.UnitTests.Players;

public sealed class PlayerTokensTests
{
    private const string Secret = "a-test-secret-that-is-long-enough-for-hs256";

    private static PlayerTokens Tokens(string secret = Secret, string audience = "casino-lobby", string issuer = "casino-operator", TimeProvider? time = null) =>
        new(Options.Create(new LobbyOptions { TokenSigningKey = secret, TokenAudience = audience, TokenIssuer = issuer }), time ?? TimeProvider.System);

    [Fact]
    public async Task MintedToken_IsAccepted_AndNamesThePlayer()
    {
        var tokens = Tokens();

        var check = await tokens.ValidateAsync(tokens.Mint("p-1042"));

        Assert.True(check.IsValid, check.Error);
        Assert.Equal("p-1042", check.PlayerId);
    }

    [Fact]
    public async Task TokenSignedWithAnotherSecret_IsRefused()
    {
        var forged = Tokens(secret: "someone-elses-secret-of-32-bytes-or-more").Mint("p-1");

        var check = await Tokens().ValidateAsync(forged);

        Assert.False(check.IsValid);
        Assert.Contains("signature", check.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused()
    {
        var twoHoursAgo = new FixedTime(DateTimeOffset.UtcNow.AddHours(-2));
        var stale = Tokens(time: twoHoursAgo).Mint("p-1", TimeSpan.FromMinutes(30));

        var check = await Tokens().ValidateAsync(stale);

        Assert.False(check.IsValid);
        Assert.Contains("expired", check.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TokenForAnotherAudience_IsRefused()
    {
        var elsewhere = Tokens(audience: "casino-backoffice").Mint("p-1");

        var check = await Tokens().ValidateAsync(elsewhere);

        Assert.False(check.IsValid);
        Assert.Contains("casino-lobby", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFromAnotherIssuer_IsRefused()
    {
        var check = await Tokens().ValidateAsync(Tokens(issuer: "somebody").Mint("p-1"));

        Assert.False(check.IsValid);
    }

    [Fact]
    public async Task UnsignedToken_IsRefused()
    {
        // {"alg":"none"} with a sub and no signature: must never be taken at its word.
        const string unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJwLTEiLCJpc3MiOiJjYXNpbm8tb3BlcmF0b3IiLCJhdWQiOiJjYXNpbm8tbG9iYnkiLCJleHAiOjQxMDI0NDQ4MDB9.";

        Assert.False((await Tokens().ValidateAsync(unsigned)).IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    public async Task MissingOrGarbledToken_IsRefused(string? token)
    {
        var check = await Tokens().ValidateAsync(token);

        Assert.False(check.IsValid);
        Assert.False(string.IsNullOrEmpty(check.Error));
    }

    [Fact]
    public void Minting_RefusesAnInvalidPlayerId()
    {
        Assert.Throws<ArgumentException>(() => Tokens().Mint("p 1"));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
