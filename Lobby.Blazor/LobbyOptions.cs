using System.ComponentModel.DataAnnotations;
using System.Text;
using Shared.ServiceDefaults.ApiKeys;

namespace Lobby;

/// <summary>Section <c>Lobby</c>. Secrets have built-in values only in Development; elsewhere start-up fails without them.</summary>
public sealed class LobbyOptions : IValidatableObject
{
    public const string Section = "Lobby";
    public const int MinSigningKeyBytes = 32;

    /// <summary>Signs Development player tokens when no key is configured; never accepted outside Development.</summary>
    internal const string DevelopmentSigningKey = "casino-lobby-development-signing-key-not-for-production";

    /// <summary>Base address of the Intelligence service, which serves player profiles.</summary>
    [Required, Url]
    public string IntelligenceUrl { get; set; } = "http://127.0.0.1:5181";

    /// <summary>Key with the <c>scores:read</c> scope, sent as <c>X-Api-Key</c> to Intelligence.</summary>
    public string? IntelligenceApiKey { get; set; }

    /// <summary>HS256 secret shared with the operator's site, which signs player tokens (at least 32 bytes).</summary>
    public string? TokenSigningKey { get; set; }

    [Required]
    public string TokenIssuer { get; set; } = "casino-operator";

    [Required]
    public string TokenAudience { get; set; } = "casino-lobby";

    /// <summary>Scale the SignalR hub across instances through the store's pub/sub.</summary>
    public bool Backplane { get; set; } = true;

    /// <summary>At most one rebuild of a player per this window: the first change is pushed at once, those after it in the window once at its end.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan Coalesce { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>
    /// How long the lobby waits for Intelligence on one call, retries included, before it shows the rows the profile
    /// gives (Continue playing, read from the store): a page or a push is not held up longer by a slow Intelligence.
    /// Each attempt gets 40% of it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan IntelligenceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a sign-in from a player token lasts.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(IntelligenceApiKey))
        {
            yield return new ValidationResult(
                "Lobby:IntelligenceApiKey is required outside Development: set an Intelligence key with the scores:read scope (env Lobby__IntelligenceApiKey).",
                [nameof(IntelligenceApiKey)]);
        }
        if (string.IsNullOrWhiteSpace(TokenSigningKey))
        {
            yield return new ValidationResult(
                $"Lobby:TokenSigningKey is required outside Development: set the HS256 secret the operator signs player tokens with, at least {MinSigningKeyBytes} bytes (env Lobby__TokenSigningKey).",
                [nameof(TokenSigningKey)]);
        }
        else if (Encoding.UTF8.GetByteCount(TokenSigningKey) < MinSigningKeyBytes)
        {
            yield return new ValidationResult(
                $"Lobby:TokenSigningKey is {Encoding.UTF8.GetByteCount(TokenSigningKey)} bytes; HS256 needs at least {MinSigningKeyBytes}.",
                [nameof(TokenSigningKey)]);
        }
    }
}

public static class LobbyOptionsExtensions
{
    public static IHostApplicationBuilder AddLobbyOptions(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<LobbyOptions>()
            .BindConfiguration(LobbyOptions.Section)
            .PostConfigure(o =>
            {
                if (!development) return;
                if (string.IsNullOrWhiteSpace(o.IntelligenceApiKey)) o.IntelligenceApiKey = ApiKeyRegistry.DevelopmentKey;
                if (string.IsNullOrWhiteSpace(o.TokenSigningKey)) o.TokenSigningKey = LobbyOptions.DevelopmentSigningKey;
            })
            .ValidateDataAnnotations()
            .Validate(o => development || o.TokenSigningKey != LobbyOptions.DevelopmentSigningKey,
                "Lobby:TokenSigningKey is the built-in Development secret; set a secret of your own outside Development.")
            .ValidateOnStart();
        return builder;
    }
}
