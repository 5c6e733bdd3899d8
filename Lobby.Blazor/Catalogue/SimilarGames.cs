using System.Net;
using System.Net.Http.Json;
using Lobby.Upstream;
using Shared.Contracts;

namespace Lobby.Catalogue;

/// <summary>Games like a given one, as Intelligence's recommender sees them.</summary>
public interface ISimilarGames
{
    /// <summary>Ids of similar games, most alike first; empty when Intelligence does not know the game.</summary>
    Task<IReadOnlyList<string>> GetAsync(string gameId, int limit, CancellationToken cancellationToken = default);
}

/// <summary><c>GET /v1/games/{gameId}/similar</c> through the lobby's Intelligence client (its base address and key).</summary>
internal sealed class IntelligenceSimilarGames(IHttpClientFactory factory) : ISimilarGames
{
    public async Task<IReadOnlyList<string>> GetAsync(string gameId, int limit, CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Intelligence);
        using var response = await http.GetAsync($"v1/games/{Uri.EscapeDataString(gameId)}/similar?limit={limit}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        var similar = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SimilarGames, cancellationToken);
        return similar?.Items.Select(i => i.GameId).ToList() ?? [];
    }
}
