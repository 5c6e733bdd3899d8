using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Live;

public static class LiveLobby
{
    public const string HubPath = "/hubs/lobby";

    /// <summary>The hub, its Redis backplane (<c>Lobby:Backplane</c>), and the feed that pushes rows when profiles change.</summary>
    public static IHostApplicationBuilder AddLiveLobby(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        if (builder.Configuration.GetValue($"{LobbyOptions.Section}:{nameof(LobbyOptions.Backplane)}", defaultValue: true))
        {
            // Only the lobby hub goes through Redis (AddStackExchangeRedis would also carry Blazor's circuit hub, which
            // gains nothing from it). It owns its connection: SignalR applies the channel prefix through its configuration.
            builder.Services.AddSingleton<HubLifetimeManager<LobbyHub>, RedisHubLifetimeManager<LobbyHub>>();
            builder.Services.AddOptions<RedisOptions>().Configure<IConfiguration, StoreKeys>((o, configuration, keys) =>
            {
                o.Configuration = StoreExtensions.ConfigurationFor(configuration);
                o.Configuration.ChannelPrefix = RedisChannel.Literal($"{keys.Prefix}signalr:");
            });
        }
        builder.Services.AddSingleton<IUserIdProvider, PlayerUserIdProvider>();
        builder.Services.AddSingleton<LobbyNotifier>();
        builder.Services.AddSingleton<HubViewers>();
        builder.Services.AddSingleton<LobbyMetrics>();
        builder.Services.AddSingleton<LobbyFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LobbyFeed>());
        builder.Services.AddHostedService<PlacementSchedule>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveLobby(this IEndpointRouteBuilder app)
    {
        app.MapHub<LobbyHub>(HubPath);
        return app;
    }
}
