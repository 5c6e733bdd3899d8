using Lobby.Live;
using Microsoft.Extensions.Logging.Abstractions;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Live;

public sealed class LobbyNotifierTests
{
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);

    private static LobbyUpdated Update(string playerId) => new(playerId, [], "wallet.bet", Now);

    [Fact]
    public async Task Subscriber_ReceivesOnlyItsOwnPlayersUpdates()
    {
        var received = new List<string>();
        using var _ = _notifier.Subscribe("p-1", u => { received.Add(u.PlayerId); return Task.CompletedTask; });

        await _notifier.PublishAsync(Update("p-2"));
        await _notifier.PublishAsync(Update("p-1"));

        Assert.Equal(["p-1"], received);
    }

    [Fact]
    public async Task DisposedSubscription_ReceivesNothing_AndThePlayerIsNoLongerWatched()
    {
        var received = 0;
        var subscription = _notifier.Subscribe("p-1", _ => { received++; return Task.CompletedTask; });
        Assert.True(_notifier.HasSubscribers("p-1"));

        subscription.Dispose();
        await _notifier.PublishAsync(Update("p-1"));

        Assert.Equal(0, received);
        Assert.False(_notifier.HasSubscribers("p-1"));
    }

    [Fact]
    public async Task FailingPage_DoesNotKeepThePlayersOtherPagesFromUpdating()
    {
        var received = 0;
        using var failing = _notifier.Subscribe("p-1", _ => throw new InvalidOperationException("circuit gone"));
        using var working = _notifier.Subscribe("p-1", _ => { received++; return Task.CompletedTask; });

        await _notifier.PublishAsync(Update("p-1"));

        Assert.Equal(1, received);
    }
}
