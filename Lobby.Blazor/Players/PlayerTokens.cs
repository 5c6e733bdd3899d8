using Shared.Contracts;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lobby.Players;

/// <summary>
/// Player tokens: HS256 JWTs whose <c>sub</c> is the player id, signed by the operator's site with the secret it
/// shares with the lobby. The lobby mints them itself only in Development.
/// </summary>
public sealed class PlayerTokens
{
    public const string SubjectClaim = JwtRegisteredClaimNames.Sub;
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private readonly LobbyOptions _options;
    private readonly TimeProvider _time;
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public PlayerTokens(IOptions<LobbyOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _key = SigningKey(_options);
        ValidationParameters = ValidationParametersFor(_options);
    }

    /// <summary>What a token must satisfy: also what the hub's JWT bearer scheme checks.</summary>
    public TokenValidationParameters ValidationParameters { get; }

    public string Mint(string playerId, TimeSpan? lifetime = null)
    {
        if (!PlayerIds.IsValid(playerId)) throw new ArgumentException($"'{playerId}' is not a valid player id.", nameof(playerId));
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.TokenIssuer,
            Audience = _options.TokenAudience,
            // A token id: a sign-in link (/enter) is good once (PlayerSignIn).
            Claims = new Dictionary<string, object> { [SubjectClaim] = playerId, [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N") },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? DefaultLifetime),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The player id of a valid token, or why the token was refused (in words a person can act on).</summary>
    public async Task<PlayerTokenCheck> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token)) return PlayerTokenCheck.Refused("No player token was given.");
        var result = await _handler.ValidateTokenAsync(token, ValidationParameters);
        if (!result.IsValid)
        {
            return PlayerTokenCheck.Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "The player token has expired; ask the operator's site for a new one.",
                SecurityTokenNotYetValidException => "The player token is not valid yet.",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The player token's signature does not match.",
                SecurityTokenInvalidAudienceException => $"The player token is not meant for this lobby (audience must be '{_options.TokenAudience}').",
                SecurityTokenInvalidIssuerException => $"The player token was not issued by '{_options.TokenIssuer}'.",
                _ => "The player token is not a valid signed token.",
            });
        }
        var playerId = result.ClaimsIdentity.FindFirst(SubjectClaim)?.Value;
        var tokenId = result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        return PlayerIds.IsValid(playerId)
            ? PlayerTokenCheck.Accepted(playerId!) with { TokenId = tokenId is { Length: > 0 and <= 128 } ? tokenId : null, ExpiresAt = result.SecurityToken.ValidTo }
            : PlayerTokenCheck.Refused("The player token's 'sub' is not a valid player id.");
    }

    /// <summary>The identity a signed-in player carries in the lobby, whichever way they came in.</summary>
    public static ClaimsIdentity Identity(string playerId, string authenticationType) =>
        new([new Claim(SubjectClaim, playerId)], authenticationType, SubjectClaim, null);

    internal static TokenValidationParameters ValidationParametersFor(LobbyOptions options) => new()
    {
        ValidIssuer = options.TokenIssuer,
        ValidAudience = options.TokenAudience,
        IssuerSigningKey = SigningKey(options),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = SubjectClaim,
    };

    private static SymmetricSecurityKey SigningKey(LobbyOptions options) =>
        new(Encoding.UTF8.GetBytes(options.TokenSigningKey ?? throw new InvalidOperationException("Lobby:TokenSigningKey is not set.")));
}

public readonly record struct PlayerTokenCheck(string? PlayerId, string? Error)
{
    /// <summary>The token's <c>jti</c>, when it has one (at most 128 characters).</summary>
    public string? TokenId { get; init; }

    public DateTime ExpiresAt { get; init; }

    public bool IsValid => PlayerId is not null;

    public static PlayerTokenCheck Accepted(string playerId) => new(playerId, null);

    public static PlayerTokenCheck Refused(string error) => new(null, error);
}
