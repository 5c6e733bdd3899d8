using System.Security.Claims;
using Bunit;
using Lobby.Console;
using Lobby.Players;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lobby.UnitTests.Games;

/// <summary>The lobby's frame: a player's sign-out is offered to players only.</summary>
public sealed class MainLayoutTests : LobbyComponentTest
{
    private IRenderedComponent<Lobby.Components.Layout.MainLayout> RenderLayout() =>
        Render<Lobby.Components.Layout.MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "games"))));

    [Fact]
    public void APlayer_IsOfferedSignOut()
    {
        SignIn("p-1");
        Auth.SetPolicies(PlayerSignIn.PlayerPolicy);

        Assert.Single(RenderLayout().FindAll("[data-testid='sign-out']"));
    }

    [Fact]
    public void AConsoleUserAlone_IsNotOfferedThePlayersSignOut()
    {
        Auth.SetAuthorized("ana");

        Assert.Empty(RenderLayout().FindAll("[data-testid='sign-out']"));
    }

    [Fact]
    public async Task ThePlayerPolicy_HoldsForAPlayer_AndNotForAConsoleUserAlone()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Lobby:IntelligenceApiKey", "k")]);
        builder.AddPlayerSignIn();
        builder.AddConsoleSignIn();
        await using var services = builder.Services.BuildServiceProvider();
        var authorization = services.GetRequiredService<IAuthorizationService>();

        var player = new ClaimsPrincipal(new ClaimsIdentity([new Claim(PlayerTokens.SubjectClaim, "p-1")], "Cookies"));
        var marketer = new ConsoleUser("ana", ConsoleRoles.Marketer).ToPrincipal();
        var both = new ClaimsPrincipal([.. player.Identities, .. marketer.Identities]);

        Assert.True((await authorization.AuthorizeAsync(player, PlayerSignIn.PlayerPolicy)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(marketer, PlayerSignIn.PlayerPolicy)).Succeeded);
        Assert.True((await authorization.AuthorizeAsync(both, PlayerSignIn.PlayerPolicy)).Succeeded);
    }
}
