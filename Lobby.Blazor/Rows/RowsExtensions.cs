using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Lobby.Rows;

public static class RowsExtensions
{
    /// <summary>The row source (placements first, then recommendations) and what it reads: Intelligence over HTTP, the catalogue from the store.</summary>
    public static IHostApplicationBuilder AddLobbyRows(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IGameCatalog, StoreGameCatalog>();
        builder.Services.AddSingleton<IPlayerProfiles, IntelligenceClient>();
        builder.Services.AddHttpClient(IntelligenceClient.HttpClientName, (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<LobbyOptions>>().Value;
                http.BaseAddress = new Uri(options.IntelligenceUrl.TrimEnd('/') + "/");
                http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, options.IntelligenceApiKey);
            })
            .AddStandardResilienceHandler();
        builder.Services.AddSingleton<IRecommendations, IntelligenceRecommendations>();
        // The row source asks for the lists on the device of the request it serves (its User-Agent).
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<ProfileRowSource>();
        builder.Services.AddSingleton<RecommendationRowSource>();
        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<IntelligencePlacements>();
        builder.Services.AddSingleton<IPlayerPlacements>(sp => sp.GetRequiredService<IntelligencePlacements>());
        builder.Services.AddSingleton<IPlacementList>(sp => sp.GetRequiredService<IntelligencePlacements>());
        builder.Services.AddSingleton<PlacementRowSource>();
        builder.Services.AddSingleton<ILobbyRowSource, PlacedRowSource>();
        return builder;
    }
}
