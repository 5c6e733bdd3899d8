using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Shared.ServiceDefaults.ApiKeys;

public static class OpenApiApiKey
{
    /// <summary>Documents the <c>X-Api-Key</c> header as the API's security scheme, so the browsable UI can send it.</summary>
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
            return Task.CompletedTask;
        });
        return options;
    }
}
