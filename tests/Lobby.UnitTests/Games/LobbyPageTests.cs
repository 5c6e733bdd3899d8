using Bunit;
using Bunit.TestDoubles;
using Lobby.Components.Pages;
using Lobby.Live;
using Lobby.Players;
using Lobby.Rows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class LobbyPageTests : ComponentTest
{
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly IKnownPlayers _knownPlayers = Substitute.For<IKnownPlayers>();
    private readonly IHostEnvironment _environment = Substitute.For<IHostEnvironment>();
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);
    private readonly BunitAuthorizationContext _auth;

    public LobbyPageTests()
    {
        Services.AddSingleton(_rows);
        Services.AddSingleton(_knownPlayers);
        Services.AddSingleton(_environment);
        Services.AddSingleton(_notifier);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        AddBunitPersistentComponentState();
        _auth = AddAuthorization();
        _environment.EnvironmentName.Returns(Environments.Development);
    }

    private void SignIn(string playerId)
    {
        _auth.SetAuthorized(playerId);
        _auth.SetClaims(new System.Security.Claims.Claim(PlayerTokens.SubjectClaim, playerId));
    }

    [Fact]
    public void SignedInPlayer_SeesTheirRows()
    {
        SignIn("p-1");
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>())
            .Returns([new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "Starburst")])]);

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-1']")));
        Assert.Equal("p-1", cut.Find("[data-testid='player-id']").TextContent.Trim());
    }

    [Fact]
    public void PushedUpdate_ReplacesTheRowsOnScreen()
    {
        SignIn("p-1");
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns([]);
        var cut = Render<LobbyPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='lobby-empty']")));

        cut.InvokeAsync(() => _notifier.PublishAsync(new LobbyUpdated("p-1",
            [new LobbyRow("continue-playing", "Continue playing", [Item("g-9", "Gates of Olympus")])], "wallet.bet", Now)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-9']")));
    }

    [Fact]
    public void IntelligenceDown_ShowsAGentleMessage_NotAnError()
    {
        SignIn("p-1");
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns<IReadOnlyList<LobbyRow>>(_ => throw new HttpRequestException("refused"));

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='lobby-unavailable']")));
    }

    [Fact]
    public void SignedOutVisitorInDevelopment_IsOfferedKnownPlayers()
    {
        _auth.SetNotAuthorized();
        _knownPlayers.SampleAsync(12, Arg.Any<CancellationToken>()).Returns(["p-1", "p-2"]);

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.Equal("/dev/enter/p-2", cut.Find("[data-testid='known-player-p-2']").GetAttribute("href")));
        Assert.NotNull(cut.Find("[data-testid='player-id-input']"));
    }

    [Fact]
    public void SignedOutVisitorElsewhere_IsSentToTheOperatorsSite()
    {
        _auth.SetNotAuthorized();
        _environment.EnvironmentName.Returns(Environments.Production);

        var cut = Render<LobbyPage>();

        Assert.NotNull(cut.Find("[data-testid='sign-in-operator']"));
        Assert.Empty(cut.FindAll("[data-testid='player-id-input']"));
        _knownPlayers.DidNotReceiveWithAnyArgs().SampleAsync(default, Xunit.TestContext.Current.CancellationToken);
    }
}
