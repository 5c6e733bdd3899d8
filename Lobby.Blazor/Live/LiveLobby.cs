using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
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
        UnknownMessagesClose.Register(builder.Services);
        // Only the lobby hub goes through Redis (AddStackExchangeRedis would also carry Blazor's circuit hub, which gains
        // nothing from it). Chosen from the bound options when the hub first needs it, not from configuration read while
        // services are registered, which misses sources added later (a test host's settings did: the backplane stayed on).
        builder.Services.AddSingleton<HubLifetimeManager<LobbyHub>>(services =>
            services.GetRequiredService<IOptions<LobbyOptions>>().Value.Backplane
                ? ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<LobbyHub>>(services)
                : ActivatorUtilities.CreateInstance<DefaultHubLifetimeManager<LobbyHub>>(services));
        // The backplane owns its connection: SignalR applies the channel prefix through its configuration, so two
        // deployments sharing one Redis (each with its own Store:KeyPrefix) never see each other's messages.
        builder.Services.AddOptions<RedisOptions>().Configure<IConfiguration, StoreKeys>((o, configuration, keys) =>
        {
            o.Configuration = StoreExtensions.ConfigurationFor(configuration);
            o.Configuration.ChannelPrefix = RedisChannel.Literal($"{keys.Prefix}signalr:");
        });
        builder.Services.AddSingleton<IUserIdProvider, PlayerUserIdProvider>();
        builder.Services.AddSingleton<LobbyNotifier>();
        builder.Services.AddSingleton<HubViewers>();
        builder.Services.AddSingleton<HubRowReads>();
        builder.Services.AddSingleton<LobbyMetrics>();
        builder.Services.AddSingleton<LobbyFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LobbyFeed>());
        builder.Services.AddHostedService<PlacementSchedule>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveLobby(this IEndpointRouteBuilder app)
    {
        // A connection ends when its player token expires (the client reconnects with a fresh one): a token taken from a
        // URL or a log stops working at its expiry, open connections included.
        app.MapHub<LobbyHub>(HubPath, o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
