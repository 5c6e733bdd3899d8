using System.Security.Claims;
using Bunit;
using Lobby.Catalogue;
using Lobby.Console;
using Lobby.Rows;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using NSubstitute;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.UnitTests.Console;

/// <summary>
/// A bUnit context for console components: MudBlazor, the console's real authorization policies over a principal the
/// test chooses (built the way the console's cookie builds it), Intelligence as an NSubstitute <see cref="IConsoleClient"/>,
/// and a clock the test moves.
/// </summary>
public abstract class ConsoleTest : BunitContext
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    protected ConsoleTest()
    {
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton(Api);
        Services.AddSingleton(Operations);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddSingleton(Catalog);
        Services.AddSingleton(Options.Create(new StoreOptions()));
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        Services.AddSingleton(new ConsoleUserDirectory(Options.Create(new ConsoleOptions
        {
            Users = [new ConsoleUserEntry { Name = "maria", Role = ConsoleRoles.Marketer, PasswordHash = ConsolePasswords.Hash("secret", 1_000) }],
        })));
        var environment = Substitute.For<IHostEnvironment>();
        environment.EnvironmentName.Returns(Environments.Production);
        Services.AddSingleton(environment);
        Services.AddSingleton<AuthenticationStateProvider>(Authentication);
        Services.AddCascadingAuthenticationState();
        Services.AddAuthorizationCore(o =>
        {
            ConsoleSignIn.AddPolicies(o);
            o.AddPolicy(Lobby.Players.PlayerSignIn.PlayerPolicy, p => p.RequireClaim(Lobby.Players.PlayerTokens.SubjectClaim));
        });
        // bUnit puts placeholders first; the real services, registered last, win.
        Services.AddSingleton<IAuthorizationService, DefaultAuthorizationService>();
        Services.AddSingleton<IAuthorizationPolicyProvider, DefaultAuthorizationPolicyProvider>();
        Catalog.AllAsync(Arg.Any<CancellationToken>()).Returns(new Dictionary<string, Game>());
        // Last: it builds the renderer, after which no service can be added.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected IConsoleClient Api { get; } = Substitute.For<IConsoleClient>();

    /// <summary>Ingestion, for the operations page.</summary>
    protected IOperationsClient Operations { get; } = Substitute.For<IOperationsClient>();

    protected FakeTimeProvider Clock { get; } = new(Now);

    protected IGameLibrary Catalog { get; } = Substitute.For<IGameLibrary>();

    protected FixedAuthentication Authentication { get; } = new();

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    /// <summary>The app's router at <paramref name="path"/>: who may open which page, and where the others are sent.</summary>
    protected IRenderedComponent<Lobby.Components.Routes> Open(string path)
    {
        Navigation.NavigateTo(path);
        return Render<Lobby.Components.Routes>();
    }

    protected void SignInAs(string role, string name = "maria") => Authentication.Principal = new ConsoleUser(name, role).ToPrincipal();

    /// <summary>A signed-in player: an authenticated identity, but not the console's.</summary>
    protected void SignInAsPlayer(string playerId = "p-1") =>
        Authentication.Principal = new ClaimsPrincipal(Lobby.Players.PlayerTokens.Identity(playerId, "Cookies"));

    protected static readonly IReadOnlyList<SegmentField> Fields =
    [
        new("country", "string", "Country of residence (ISO code)", ["eq", "neq", "in", "nin", "exists"]),
        new("market", "string", "Regulated market", ["eq", "neq", "in", "nin"], ["MT", "SE", "UK"]),
        new("lifetime.depositAmount", "money", "Approved deposits, lifetime", ["eq", "gt", "gte", "lt", "lte", "between"]),
        new("windows.30d.betCount", "number", "Bets in the last 30 days", ["eq", "gt", "gte", "lt", "lte", "between"]),
        new("lifetime.lastActiveAt", "date", "Last activity", ["gt", "gte", "lt", "lte", "between", "exists"]),
        new("scores.churn.probability", "number", "Churn risk", ["gt", "gte", "lt", "lte", "between"]),
        new("rg.blocked", "bool", "Blocked by the operator", ["eq"]),
    ];

    public sealed class FixedAuthentication : AuthenticationStateProvider
    {
        public ClaimsPrincipal Principal { get; set; } = new(new ClaimsIdentity());

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(Principal));
    }
}
