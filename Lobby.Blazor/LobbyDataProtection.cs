using Microsoft.AspNetCore.DataProtection;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby;

public static class LobbyDataProtection
{
    /// <summary>
    /// One data protection key ring for every lobby instance, kept in the store (<see cref="StoreKeys.DataProtectionKeys"/>):
    /// the console's and the player's sign-in cookies and the forms' antiforgery tokens made by one instance are then
    /// read by any other, so the lobby runs behind a plain round-robin balancer. Anyone who can read the store can read
    /// the keys, as with the profiles themselves.
    /// </summary>
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("casino-lobby");
        builder.Services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<IConnectionMultiplexer, StoreKeys>((o, redis, keys) =>
                o.XmlRepository = new Microsoft.AspNetCore.DataProtection.StackExchangeRedis.RedisXmlRepository(() => redis.GetDatabase(), keys.DataProtectionKeys));
        return builder;
    }
}
