using Lobby.Upstream;
using Microsoft.Extensions.Http.Resilience;
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
        builder.Services.AddHttpClient(ServiceCalls.Intelligence, (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<LobbyOptions>>().Value;
                http.BaseAddress = new Uri(options.IntelligenceUrl.TrimEnd('/') + "/");
                http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, options.IntelligenceApiKey);
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) =>
            {
                var budget = sp.GetRequiredService<IOptions<LobbyOptions>>().Value.IntelligenceTimeout;
                resilience.TotalRequestTimeout.Timeout = budget;
                resilience.AttemptTimeout.Timeout = budget * 0.4;
            });
        builder.Services.AddSingleton<IRecommendations, IntelligenceRecommendations>();
        // The row source asks for the lists on the device of the request it serves (its User-Agent).
        builder.Services.AddHttpContextAccessor();
        // The fallback reads the profile from the store: it must not need Intelligence, which it stands in for.
        builder.Services.AddSingleton<ProfileReader>();
        builder.Services.AddSingleton<StoreProfiles>();
        builder.Services.AddSingleton(sp => new ProfileRowSource(sp.GetRequiredService<StoreProfiles>(), sp.GetRequiredService<IGameCatalog>(), sp.GetRequiredService<TimeProvider>()));
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
