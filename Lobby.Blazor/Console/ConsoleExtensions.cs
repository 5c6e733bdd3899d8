using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Lobby.Console;

public static class ConsoleExtensions
{
    /// <summary>The marketers' console: its sign-in, its client of Intelligence (a key of its own, sent with the user as actor) and of Ingestion (the operations page).</summary>
    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        builder.AddConsoleSignIn();
        builder.Services.AddHttpClient(ConsoleClient.HttpClientName, (sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<LobbyOptions>>().Value.IntelligenceUrl.TrimEnd('/') + "/");
                http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, sp.GetRequiredService<IOptions<ConsoleOptions>>().Value.IntelligenceApiKey);
            })
            // A create or an update is not repeated: a lost answer must not make two segments.
            .AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        builder.Services.AddScoped<IConsoleClient, ConsoleClient>();
        builder.Services.AddHttpClient(OperationsClient.HttpClientName, (sp, http) =>
            {
                var console = sp.GetRequiredService<IOptions<ConsoleOptions>>().Value;
                http.BaseAddress = new Uri(console.IngestionUrl.TrimEnd('/') + "/");
                if (!string.IsNullOrWhiteSpace(console.IngestionApiKey)) http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, console.IngestionApiKey);
            })
            .AddStandardResilienceHandler();
        builder.Services.AddScoped<IOperationsClient, OperationsClient>();
        return builder;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapConsoleSignIn();
        app.MapGet("/console/segments/{id}/players.csv", ExportMembersAsync)
            .RequireAuthorization(ConsolePolicies.Marketer)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>A segment's members as CSV, streamed from Intelligence (whose key the browser never sees).</summary>
    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ExportMembersAsync(
        string id, HttpContext http, IHttpClientFactory factory, CancellationToken cancellationToken)
    {
        var user = ConsoleUser.From(http.User)!;
        var client = factory.CreateClient(ConsoleClient.HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/segments/{Uri.EscapeDataString(id)}/players.csv");
        request.Headers.Add(ApiHeaders.Actor, user.Name);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var problem = await ConsoleClient.ProblemAsync(response, cancellationToken);
                return TypedResults.Problem(title: "Export failed", detail: problem.Message, statusCode: (int)problem.Status);
            }
        }
        http.Response.RegisterForDispose(response);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return TypedResults.Stream(stream, "text/csv; charset=utf-8", $"segment-{id}-members.csv");
    }
}
