using Bunit;
using Bunit.TestDoubles;
using Lobby.Catalogue;
using Lobby.Experiments;
using Lobby.Live;
using Lobby.Play;
using Lobby.Players;
using Lobby.Rows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

/// <summary>
/// A bUnit context with what the lobby's pages use: the real shelves, badges and notifier over substitutes for what is
/// I/O (Intelligence, the store's catalogue and play counts, Ingestion's rounds), and a signed-in or signed-out player.
/// </summary>
public abstract class LobbyComponentTest : ComponentTest
{
    protected ILobbyRowSource RowSource { get; } = Substitute.For<ILobbyRowSource>();
    protected IKnownPlayers KnownPlayers { get; } = Substitute.For<IKnownPlayers>();
    protected IHostEnvironment Environment { get; } = Substitute.For<IHostEnvironment>();
    protected IPlayerProfiles Profiles { get; } = Substitute.For<IPlayerProfiles>();
    protected IGameLibrary Library { get; } = Substitute.For<IGameLibrary>();
    protected IHotGames HotGames { get; } = Substitute.For<IHotGames>();
    protected ISimilarGames Similar { get; } = Substitute.For<ISimilarGames>();
    protected IGameRounds Rounds { get; } = Substitute.For<IGameRounds>();
    protected LobbyNotifier Notifier { get; } = new(NullLogger<LobbyNotifier>.Instance);
    protected PlayOptions PlayOptions { get; } = new() { IngestionApiKey = "k" };
    protected BunitAuthorizationContext Auth { get; }
    protected ILobbyExperiment Experiment { get; } = Substitute.For<ILobbyExperiment>();

    /// <summary>The impressions queue, not started: a test reads what the page put on it from <see cref="ImpressionSender.Waiting"/>.</summary>
    protected ImpressionSender Impressions { get; }

    protected LobbyComponentTest()
    {
        Services.AddSingleton(RowSource);
        Services.AddSingleton(KnownPlayers);
        Services.AddSingleton(Environment);
        Services.AddSingleton(Notifier);
        Services.AddSingleton(Profiles);
        Services.AddSingleton(Library);
        Services.AddSingleton(HotGames);
        Services.AddSingleton(Similar);
        Services.AddSingleton(Rounds);
        Services.AddSingleton<TimeProvider>(new FixedTime(Now));
        Services.AddSingleton(Options.Create(PlayOptions));
        Services.AddSingleton(Options.Create(new CatalogueOptions()));
        Services.AddSingleton<LobbyShelves>();
        Services.AddSingleton(Experiment);
        Impressions = new ImpressionSender(Substitute.For<IHttpClientFactory>(), Options.Create(new ImpressionOptions()), new FixedTime(Now),
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), NullLogger<ImpressionSender>.Instance);
        Services.AddSingleton(Impressions);
        Services.AddTransient<PageImpressions>();
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        AddBunitPersistentComponentState();
        Auth = AddAuthorization();
        Environment.EnvironmentName.Returns(Environments.Development);
        Library.AllAsync(Arg.Any<CancellationToken>()).Returns(Catalog());
        HotGames.GetAsync(Arg.Any<CancellationToken>()).Returns(new HashSet<string>());
        RowSource.GetRowsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns([]);
        // As in the browser once the circuit is up (the game view disables play until then). Last: it builds the renderer.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    protected void SignIn(string playerId, PlayerProfile? profile = null)
    {
        Auth.SetAuthorized(playerId);
        Auth.SetClaims(new System.Security.Claims.Claim(PlayerTokens.SubjectClaim, playerId));
        Profiles.GetProfileAsync(playerId, Arg.Any<CancellationToken>()).Returns(profile ?? Profile(playerId));
    }

    protected void Catalogue(params Game[] games) => Library.AllAsync(Arg.Any<CancellationToken>()).Returns(Catalog(games));

    protected static PlayerProfile SelfExcluded(string playerId, DateTimeOffset until) =>
        Profile(playerId) with { Rg = new ResponsibleGambling(until, null, false, null) };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
