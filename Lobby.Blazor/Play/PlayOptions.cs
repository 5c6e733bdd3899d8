using System.ComponentModel.DataAnnotations;

namespace Lobby.Play;

/// <summary>
/// Section <c>Lobby:Play</c>: the game view plays rounds the way a game provider reports them, as canonical
/// <c>wallet.bet</c>/<c>wallet.win</c> events to Ingestion's <c>POST /v1/events</c>.
/// </summary>
public sealed class PlayOptions
{
    public const string Section = "Lobby:Play";

    /// <summary>Base address of Ingestion.</summary>
    [Required, Url]
    public string IngestionUrl { get; set; } = "http://127.0.0.1:5180";

    /// <summary>
    /// A key with the <c>events:write</c> scope, sent as <c>X-Api-Key</c>. <c>dev-key</c> in Development; elsewhere the
    /// game view says playing is not set up until one is configured (an operator's real game providers report rounds themselves).
    /// </summary>
    public string? IngestionApiKey { get; set; }

    /// <summary>The CloudEvents <c>source</c> of the rounds, as one game provider's feed.</summary>
    [Required, RegularExpression("^/.*", ErrorMessage = "Lobby:Play:Source must start with '/' (a CloudEvents source path).")]
    public string Source { get; set; } = "/lobby/games";

    /// <summary>Currency of a player whose profile names none.</summary>
    [Required, RegularExpression("^[A-Z]{3}$", ErrorMessage = "Lobby:Play:DefaultCurrency must be an ISO 4217 code such as EUR.")]
    public string DefaultCurrency { get; set; } = "EUR";

    /// <summary>Where the safer-gambling message sends a player for help: the operator's responsible-gambling page.</summary>
    [Url]
    public string? SaferGamblingUrl { get; set; }

    /// <summary>True when rounds can be sent: a key is configured.</summary>
    public bool CanPlay => !string.IsNullOrWhiteSpace(IngestionApiKey);
}
