using System.ComponentModel.DataAnnotations;

namespace Lobby.UnitTests;

public sealed class LobbyOptionsTests
{
    private static List<ValidationResult> Validate(LobbyOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void MissingSigningKey_FailsWithAMessageThatSaysWhatToSet()
    {
        var errors = Validate(new LobbyOptions { IntelligenceApiKey = "k" });

        var error = Assert.Single(errors);
        Assert.Contains("Lobby:TokenSigningKey", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Lobby__TokenSigningKey", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SigningKeyShorterThan32Bytes_Fails()
    {
        var errors = Validate(new LobbyOptions { IntelligenceApiKey = "k", TokenSigningKey = new string('x', 31) });

        Assert.Contains(errors, e => e.ErrorMessage!.Contains("at least 32", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingIntelligenceKey_Fails()
    {
        var errors = Validate(new LobbyOptions { TokenSigningKey = new string('x', 32) });

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(LobbyOptions.IntelligenceApiKey)));
    }

    [Fact]
    public void CompleteOptions_AreValid()
    {
        Assert.Empty(Validate(new LobbyOptions { IntelligenceApiKey = "k", TokenSigningKey = new string('x', 32) }));
    }
}
