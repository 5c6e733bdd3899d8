using System.Net;
using System.Net.Http.Json;
using Lobby.Upstream;
using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>Player profiles, as the Intelligence service serves them.</summary>
public interface IPlayerProfiles
{
    /// <summary>The player's profile, or null when Intelligence does not know the player.</summary>
    Task<PlayerProfile?> GetProfileAsync(string playerId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Client of Intelligence; base address and <c>X-Api-Key</c> come from <see cref="LobbyOptions"/>. A singleton that asks
/// the factory for a client per call, so the pooled handlers still rotate.
/// </summary>
internal sealed class IntelligenceClient(IHttpClientFactory factory) : IPlayerProfiles
{
    public async Task<PlayerProfile?> GetProfileAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Intelligence);
        using var response = await http.GetAsync($"v1/players/{Uri.EscapeDataString(playerId)}/profile", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PlayerProfile, cancellationToken);
    }
}
