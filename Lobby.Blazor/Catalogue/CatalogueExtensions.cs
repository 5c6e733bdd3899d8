using Microsoft.Extensions.DependencyInjection.Extensions;
using Shared.Store;

namespace Lobby.Catalogue;

public static class CatalogueExtensions
{
    /// <summary>Browsing, search, badges and similar games: the whole catalogue from the store, similar games from Intelligence.</summary>
    public static IHostApplicationBuilder AddLobbyCatalogue(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CatalogueOptions>().BindConfiguration(CatalogueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<CatalogCache>();
        builder.Services.AddSingleton<IGameLibrary, StoreGameLibrary>();
        builder.Services.AddSingleton<IHotGames, StoreHotGames>();
        builder.Services.AddSingleton<ISimilarGames, IntelligenceSimilarGames>();
        builder.Services.AddSingleton<LobbyShelves>();
        return builder;
    }
}
