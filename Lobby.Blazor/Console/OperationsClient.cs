using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Lobby.Console;

/// <summary>
/// What the operations page asks Ingestion (contract section 4): every feed's state, reconciliation, the feeds' last
/// hours and the in-product alerts firing. Refused with <see cref="ConsoleAccessDeniedException"/> unless an operator
/// or an admin is signed in, so no other role reaches Ingestion through the console.
/// </summary>
public interface IOperationsClient
{
    /// <summary><c>GET /v1/feeds</c>.</summary>
    Task<FeedsReport> GetFeedsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /v1/feeds/history?hours=</c>.</summary>
    Task<FeedHistory> GetFeedHistoryAsync(int hours, CancellationToken cancellationToken = default);

    /// <summary><c>GET /v1/reconciliation</c>.</summary>
    Task<ReconciliationReport> GetReconciliationAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /v1/ops/alerts</c>: the in-product alerts firing now, newest first.</summary>
    Task<IReadOnlyList<OpsAlert>> GetFiringAlertsAsync(CancellationToken cancellationToken = default);
}

internal sealed class OperationsClient(IHttpClientFactory factory, AuthenticationStateProvider authentication, IOptions<ConsoleOptions> options) : IOperationsClient
{
    public const string HttpClientName = "ingestion-console";
    internal const string NotSetUp = "The operations view is not set up on this site: set Console:IngestionApiKey to an Ingestion key with the ops:read scope.";

    private static ContractsJsonContext Json => ContractsJsonContext.Default;

    public async Task<FeedsReport> GetFeedsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync("v1/feeds", Json.FeedsReport, cancellationToken);

    public async Task<FeedHistory> GetFeedHistoryAsync(int hours, CancellationToken cancellationToken = default) =>
        await GetAsync($"v1/feeds/history?hours={hours}", Json.FeedHistory, cancellationToken);

    public async Task<ReconciliationReport> GetReconciliationAsync(CancellationToken cancellationToken = default) =>
        await GetAsync("v1/reconciliation", Json.ReconciliationReport, cancellationToken);

    public async Task<IReadOnlyList<OpsAlert>> GetFiringAlertsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync("v1/ops/alerts", Json.ListOpsAlert, cancellationToken);

    private async Task<T> GetAsync<T>(string uri, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        if (ConsoleUser.From(state.User) is not { Role: ConsoleRoles.Operator or ConsoleRoles.Admin }) throw new ConsoleAccessDeniedException();
        if (string.IsNullOrWhiteSpace(options.Value.IngestionApiKey)) throw new ConsoleClientException(HttpStatusCode.ServiceUnavailable, NotSetUp);
        using var http = factory.CreateClient(HttpClientName);
        using var response = await http.GetAsync(uri, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? new ConsoleClientException(response.StatusCode, "Ingestion refused the console's key (Console:IngestionApiKey): it needs the ops:read scope.")
                : await ConsoleClient.ProblemAsync(response, cancellationToken, "Ingestion");
        }
        return await response.Content.ReadFromJsonAsync(type, cancellationToken)
            ?? throw new ConsoleClientException(response.StatusCode, $"Ingestion answered GET {uri} with an empty body.");
    }
}
