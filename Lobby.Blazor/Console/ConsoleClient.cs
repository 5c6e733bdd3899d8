using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Components.Authorization;
using Shared.Contracts;

namespace Lobby.Console;

/// <summary>
/// What the console asks Intelligence: segments, their preview, members and history, placements, insight and models. Every
/// call is made for the signed-in console user (sent as <c>X-Actor</c>, which versions and the audit log record) and
/// refused with <see cref="ConsoleAccessDeniedException"/> when nobody with a console role is signed in.
/// </summary>
public interface IConsoleClient
{
    Task<IReadOnlyList<Segment>> ListSegmentsAsync(CancellationToken cancellationToken = default);
    Task<Segment?> GetSegmentAsync(string id, CancellationToken cancellationToken = default);
    Task<Segment> CreateSegmentAsync(SegmentRequest request, CancellationToken cancellationToken = default);
    Task<Segment> UpdateSegmentAsync(string id, SegmentRequest request, CancellationToken cancellationToken = default);
    Task DeleteSegmentAsync(string id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<Segment>> GetSegmentVersionsAsync(string id, CancellationToken cancellationToken = default);
    Task<SegmentPreview> PreviewAsync(SegmentPreviewRequest request, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<SegmentField>> GetFieldsAsync(CancellationToken cancellationToken = default);
    Task<SegmentMembersPage> GetMembersAsync(string id, string? cursor, int limit, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<AuditEntry>> GetAuditAsync(int limit, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Placement>> ListPlacementsAsync(CancellationToken cancellationToken = default);
    Task<Placement?> GetPlacementAsync(string id, CancellationToken cancellationToken = default);
    Task<Placement> CreatePlacementAsync(PlacementRequest request, CancellationToken cancellationToken = default);
    Task<Placement> UpdatePlacementAsync(string id, PlacementRequest request, CancellationToken cancellationToken = default);
    Task DeletePlacementAsync(string id, CancellationToken cancellationToken = default);

    Task<SegmentSizeHistory> GetSegmentSizeAsync(string id, int days, CancellationToken cancellationToken = default);
    Task<ScoreDistributions> GetScoreDistributionsAsync(CancellationToken cancellationToken = default);
    /// <summary>The affiliate report for UTC days <paramref name="from"/> to <paramref name="to"/> (<c>GET /v1/affiliates/report</c>; scope <c>affiliates:read</c>).</summary>
    Task<AffiliatesReport> GetAffiliatesReportAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken = default);

    Task<ExperimentList> ListExperimentsAsync(CancellationToken cancellationToken = default);
    Task<ExperimentReport?> GetExperimentReportAsync(string id, int horizonDays, CancellationToken cancellationToken = default);
    Task<Experiment> SetControlShareAsync(string id, double controlShare, CancellationToken cancellationToken = default);

    /// <summary>Every model kind's served version and kept versions with their holdout figures (<c>GET /v1/models</c>).</summary>
    Task<ModelsView> GetModelsAsync(CancellationToken cancellationToken = default);

    /// <summary>Open safer-gambling cases (safer-gambling role only, refused for any other).</summary>
    Task<HarmCaseList> ListHarmCasesAsync(CancellationToken cancellationToken = default);
    Task<HarmCaseDetail?> GetHarmCaseAsync(string playerId, CancellationToken cancellationToken = default);
    Task<HarmCaseEntry> AddHarmCaseNoteAsync(string playerId, HarmCaseNoteRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Intelligence refused or failed a console call; <see cref="Errors"/> holds a validation problem's errors by path.</summary>
public sealed class ConsoleClientException(HttpStatusCode status, string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>Field or rule-node path (<c>rule.all[1].any[0].value</c>, <c>title</c>) to what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();
}

/// <summary>A console call without a signed-in console user: nobody without a role sees player data.</summary>
public sealed class ConsoleAccessDeniedException() : Exception("Sign in to the console with a role that may do this (marketer or admin for marketing, safer-gambling for the case queue, operator or admin for operations).");

internal sealed class ConsoleClient(IHttpClientFactory factory, AuthenticationStateProvider authentication) : IConsoleClient
{
    public const string HttpClientName = "intelligence-console";

    private static ContractsJsonContext Json => ContractsJsonContext.Default;

    public async Task<IReadOnlyList<Segment>> ListSegmentsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/segments", Json.ListSegment, cancellationToken))!;

    public Task<Segment?> GetSegmentAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync($"v1/segments/{Escape(id)}", Json.Segment, cancellationToken, notFoundIsNull: true);

    public Task<Segment> CreateSegmentAsync(SegmentRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/segments", JsonContent.Create(request, Json.SegmentRequest), Json.Segment, cancellationToken);

    public Task<Segment> UpdateSegmentAsync(string id, SegmentRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"v1/segments/{Escape(id)}", JsonContent.Create(request, Json.SegmentRequest), Json.Segment, cancellationToken);

    public Task DeleteSegmentAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"v1/segments/{Escape(id)}", null, null, cancellationToken);

    public async Task<IReadOnlyList<Segment>> GetSegmentVersionsAsync(string id, CancellationToken cancellationToken = default) =>
        (await GetAsync($"v1/segments/{Escape(id)}/versions", Json.ListSegment, cancellationToken))!;

    public Task<SegmentPreview> PreviewAsync(SegmentPreviewRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/segments/preview", JsonContent.Create(request, Json.SegmentPreviewRequest), Json.SegmentPreview, cancellationToken);

    public async Task<IReadOnlyList<SegmentField>> GetFieldsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/segments/fields", Json.ListSegmentField, cancellationToken))!;

    public async Task<SegmentMembersPage> GetMembersAsync(string id, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var query = $"limit={limit}" + (string.IsNullOrEmpty(cursor) ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
        return (await GetAsync($"v1/segments/{Escape(id)}/players?{query}", Json.SegmentMembersPage, cancellationToken))!;
    }

    public async Task<IReadOnlyList<AuditEntry>> GetAuditAsync(int limit, CancellationToken cancellationToken = default) =>
        (await GetAsync($"v1/segments/audit?limit={limit}", Json.ListAuditEntry, cancellationToken))!;

    public async Task<IReadOnlyList<Placement>> ListPlacementsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/placements", Json.ListPlacement, cancellationToken))!;

    public Task<Placement?> GetPlacementAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync($"v1/placements/{Escape(id)}", Json.Placement, cancellationToken, notFoundIsNull: true);

    public Task<Placement> CreatePlacementAsync(PlacementRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/placements", JsonContent.Create(request, Json.PlacementRequest), Json.Placement, cancellationToken);

    public Task<Placement> UpdatePlacementAsync(string id, PlacementRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"v1/placements/{Escape(id)}", JsonContent.Create(request, Json.PlacementRequest), Json.Placement, cancellationToken);

    public Task DeletePlacementAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"v1/placements/{Escape(id)}", null, null, cancellationToken);

    public async Task<SegmentSizeHistory> GetSegmentSizeAsync(string id, int days, CancellationToken cancellationToken = default) =>
        (await GetAsync($"v1/insights/segments/{Escape(id)}/size?days={days}", Json.SegmentSizeHistory, cancellationToken))!;

    public async Task<ScoreDistributions> GetScoreDistributionsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/insights/scores", Json.ScoreDistributions, cancellationToken))!;

    public async Task<AffiliatesReport> GetAffiliatesReportAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken = default)
    {
        var query = string.Join('&', new[] { from is { } f ? $"from={f:yyyy-MM-dd}" : null, to is { } t ? $"to={t:yyyy-MM-dd}" : null }.OfType<string>());
        return (await GetAsync("v1/affiliates/report" + (query.Length > 0 ? "?" + query : ""), Json.AffiliatesReport, cancellationToken))!;
    }

    public async Task<ExperimentList> ListExperimentsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/experiments", Json.ExperimentList, cancellationToken))!;

    public Task<ExperimentReport?> GetExperimentReportAsync(string id, int horizonDays, CancellationToken cancellationToken = default) =>
        GetAsync($"v1/experiments/{Escape(id)}/report?horizonDays={horizonDays}", Json.ExperimentReport, cancellationToken, notFoundIsNull: true);

    public Task<Experiment> SetControlShareAsync(string id, double controlShare, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"v1/experiments/{Escape(id)}", JsonContent.Create(new ExperimentSettingsRequest(controlShare), Json.ExperimentSettingsRequest),
            Json.Experiment, cancellationToken);

    public async Task<ModelsView> GetModelsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/models", Json.ModelsView, cancellationToken))!;

    public async Task<HarmCaseList> ListHarmCasesAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/harm/cases?limit=200", Json.HarmCaseList, cancellationToken, role: ConsoleRoles.SaferGambling))!;

    public Task<HarmCaseDetail?> GetHarmCaseAsync(string playerId, CancellationToken cancellationToken = default) =>
        GetAsync($"v1/harm/cases/{Escape(playerId)}", Json.HarmCaseDetail, cancellationToken, notFoundIsNull: true, role: ConsoleRoles.SaferGambling);

    public Task<HarmCaseEntry> AddHarmCaseNoteAsync(string playerId, HarmCaseNoteRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/harm/cases/{Escape(playerId)}/notes", JsonContent.Create(request, Json.HarmCaseNoteRequest), Json.HarmCaseEntry,
            cancellationToken, role: ConsoleRoles.SaferGambling);

    private static string Escape(string id) => Uri.EscapeDataString(id);

    private async Task<T?> GetAsync<T>(string uri, JsonTypeInfo<T> type, CancellationToken cancellationToken, bool notFoundIsNull = false, string? role = null)
    {
        using var http = await ClientAsync(role);
        using var response = await http.GetAsync(uri, cancellationToken);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound) return default;
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(type, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string uri, HttpContent? content, JsonTypeInfo<T>? type, CancellationToken cancellationToken, string? role = null)
    {
        using var http = await ClientAsync(role);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        if (type is null) return default!;
        return await response.Content.ReadFromJsonAsync(type, cancellationToken)
            ?? throw new ConsoleClientException(response.StatusCode, $"Intelligence answered {method} {uri} with an empty body.");
    }

    /// <summary>
    /// A client acting for the signed-in user. Marketing calls need a marketer or an admin (never an operator or a
    /// safer-gambling officer); <paramref name="role"/> names
    /// the one role a call is for (the safer-gambling queue), so a marketer never reads a player's harm case and a
    /// safer-gambling officer never drives marketing.
    /// </summary>
    private async Task<HttpClient> ClientAsync(string? role = null)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var user = ConsoleUser.From(state.User) ?? throw new ConsoleAccessDeniedException();
        if (role is not null ? user.Role != role : user.Role is not (ConsoleRoles.Marketer or ConsoleRoles.Admin)) throw new ConsoleAccessDeniedException();
        var http = factory.CreateClient(HttpClientName);
        http.DefaultRequestHeaders.Add(ApiHeaders.Actor, user.Name);
        return http;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, cancellationToken);
    }

    /// <summary>Turns a refusal (problem+json or not) into an exception a page can show: title, detail and errors by path.</summary>
    internal static async Task<ConsoleClientException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken, string service = "Intelligence")
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? title = null, detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString();
                if (root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
                if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? [.. field.Value.EnumerateArray().Select(m => m.ToString())]
                            : [field.Value.ToString()];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy's page, say): the status says enough.
        }
        var message = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "Intelligence refused the console's API key (Console:IntelligenceApiKey).",
            HttpStatusCode.Forbidden => "The console's API key lacks a scope this needs (segments:write and scores:read).",
            _ => string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } text
                ? text
                : $"{service} answered {(int)response.StatusCode} {response.ReasonPhrase}.",
        };
        return new ConsoleClientException(response.StatusCode, message, errors);
    }
}
