using Ingestion.Connectors;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Catalog;

public static class CatalogFeedRegistration
{
    public const string ResilienceSection = CatalogFeedOptions.Section + ":Resilience";

    /// <summary>The aggregator game-list connector (section <c>CatalogFeed</c>); it polls only when <c>CatalogFeed:Enabled</c>.</summary>
    public static IHostApplicationBuilder AddCatalogFeed(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CatalogFeedOptions>().BindConfiguration(CatalogFeedOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CatalogFeedOptions>, CatalogFeedOptionsValidator>();
        builder.Services.AddSingleton<CatalogFeedMetrics>();
        builder.Services.AddFirstContact(nameof(CatalogFeedClient));
        builder.Services.AddHttpClient<CatalogFeedClient>((sp, http) =>
                http.MaxResponseContentBufferSize = sp.GetRequiredService<IOptions<CatalogFeedOptions>>().Value.MaxBodyBytes)
            .AddStandardResilienceHandler()
            // Bound when the client is first built, so an absent section simply keeps the standard defaults.
            .Configure((resilience, sp) => sp.GetRequiredService<IConfiguration>().GetSection(ResilienceSection).Bind(resilience));
        builder.Services.AddSingleton<CatalogPullConnector>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogPullConnector>());
        return builder;
    }
}
