using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Shared.ServiceDefaults.ApiKeys;

public static class OpenApiApiKey
{
    /// <summary>
    /// Documents the <c>X-Api-Key</c> header as the API's security scheme, so the browsable UI can send it; gives every
    /// operation that needs a key the two answers the key check makes (401 without a known key, 403 without the scope),
    /// and takes the requirement off operations that need none (a vendor's signed callbacks).
    /// </summary>
    public static OpenApiOptions AddApiKeySecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An API key with the scopes the operation needs (events:write, catalog:write, players:erase, scores:read, segments:write, models:admin).",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
            ShareProblemSchema(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security = [];
                return;
            }
            if (!metadata.OfType<IAuthorizeData>().Any()) return;
            operation.Responses ??= [];
            foreach (var (status, description) in KeyAnswers)
            {
                if (operation.Responses.ContainsKey(status)) continue;
                var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct);
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                };
            }
        });
        return options;
    }

    /// <summary>The key answers' problem schema, written inline per operation, as the one component every other problem answer refers to.</summary>
    private static void ShareProblemSchema(OpenApiDocument document)
    {
        OpenApiSchemaReference? shared = null;
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var (status, _) in KeyAnswers)
            {
                if (operation.Responses is null || !operation.Responses.TryGetValue(status, out var response) || response.Content is null
                    || !response.Content.TryGetValue("application/problem+json", out var media) || media.Schema is not OpenApiSchema inline) continue;
                if (shared is null)
                {
                    document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                    document.Components.Schemas.TryAdd(nameof(ProblemDetails), inline);
                    shared = new OpenApiSchemaReference(nameof(ProblemDetails), document);
                }
                media.Schema = shared;
            }
        }
    }

    private static readonly (string Status, string Description)[] KeyAnswers =
    [
        ("401", $"No {ApiKeyAuthenticationHandler.HeaderName} header, or a key that is not configured."),
        ("403", "The API key lacks the scope this operation needs."),
    ];
}
