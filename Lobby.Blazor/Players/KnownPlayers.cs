using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Players;

/// <summary>A few player ids the store knows, offered on the Development sign-in page.</summary>
public interface IKnownPlayers
{
    Task<IReadOnlyList<string>> SampleAsync(int count, CancellationToken cancellationToken = default);
}

internal sealed class KnownPlayers(IConnectionMultiplexer redis, StoreKeys keys, ILogger<KnownPlayers> logger) : IKnownPlayers
{
    public async Task<IReadOnlyList<string>> SampleAsync(int count, CancellationToken cancellationToken = default)
    {
        try
        {
            var members = await redis.GetDatabase().SetRandomMembersAsync(keys.Players, count);
            return members.Select(m => m.ToString()).Where(PlayerIds.IsValid).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Only a convenience for developers: the page still offers the text field.
            logger.LogWarning(e, "Could not sample known players from the store");
            return [];
        }
    }
}
