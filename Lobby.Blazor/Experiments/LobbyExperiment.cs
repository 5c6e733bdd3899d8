using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Lobby.Upstream;
using Shared.Contracts;

namespace Lobby.Experiments;

/// <summary>The player's group in the lobby's own experiment (<c>lobby-personalisation</c>).</summary>
public interface ILobbyExperiment
{
    /// <summary>
    /// <c>treatment</c> (personalised rows), <c>control</c> (the non-personalised lobby) or <c>excluded</c>; null when
    /// Intelligence cannot say (unknown player, or not reachable): the lobby then shows its usual rows outside the experiment.
    /// </summary>
    Task<string?> GroupAsync(string playerId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Asks Intelligence (<c>GET /v1/experiments/lobby-personalisation/players/{id}</c>), which assigns the player on the
/// first ask: the lobby asks right before it shows rows, so the assignment is the exposure. A recorded group never
/// changes, so each answer is kept in memory (up to <see cref="MaxCached"/> players, then the memory starts over).
/// </summary>
internal sealed class IntelligenceLobbyExperiment(IHttpClientFactory factory, ILogger<IntelligenceLobbyExperiment> logger) : ILobbyExperiment
{
    public const int MaxCached = 200_000;

    private readonly ConcurrentDictionary<string, string> _groups = new(StringComparer.Ordinal);

    public async Task<string?> GroupAsync(string playerId, CancellationToken cancellationToken = default)
    {
        if (_groups.TryGetValue(playerId, out var known)) return known;
        try
        {
            var http = factory.CreateClient(ServiceCalls.Intelligence);
            using var response = await http.GetAsync($"v1/experiments/{ExperimentIds.Lobby}/players/{Uri.EscapeDataString(playerId)}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            response.EnsureSuccessStatusCode();
            var group = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ExperimentAssignmentResult, cancellationToken))?.Group;
            if (group is null) return null;
            if (_groups.Count >= MaxCached) _groups.Clear();
            _groups[playerId] = group;
            return group;
        }
        catch (Exception e) when (ServiceCalls.Unavailable(e, cancellationToken))
        {
            logger.LogWarning(e, "The lobby experiment's group of {PlayerId} is unavailable; showing the usual rows", playerId);
            return null;
        }
    }
}
