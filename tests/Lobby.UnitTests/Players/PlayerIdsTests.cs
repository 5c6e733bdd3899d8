using Shared.Contracts;

namespace Lobby.UnitTests.Players;

public sealed class PlayerIdsTests
{
    [Theory]
    [InlineData("p-1")]
    [InlineData("PLAYER_42.eu")]
    [InlineData("ü-ß")]
    public void OrdinaryIds_AreValid(string playerId) => Assert.True(PlayerIds.IsValid(playerId));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("p 1")]
    [InlineData("p-1\n")]
    [InlineData("{p-1}")]
    [InlineData("p}1")]
    [InlineData("p|1")]
    public void EmptyIds_OrIdsWithWhitespaceBracesOrBars_AreNot(string? playerId) => Assert.False(PlayerIds.IsValid(playerId));

    [Fact]
    public void IdsLongerThan128Characters_AreNot()
    {
        Assert.True(PlayerIds.IsValid(new string('a', 128)));
        Assert.False(PlayerIds.IsValid(new string('a', 129)));
    }
}
