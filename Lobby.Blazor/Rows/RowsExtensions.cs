using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;

namespace Lobby.Rows;

public static class RowsExtensions
{
    /// <summary>The row source and what it reads: Intelligence over HTTP, the catalogue from the store.</summary>
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
        builder.Services.AddSingleton<ILobbyRowSource, RecommendationRowSource>();
        return builder;
    }
}
