using Lobby.Components;
using Lobby.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lobby.UnitTests.Live;

/// <summary>
/// The circuit's protocol wrapper takes Blazor's place on <c>/_blazor</c> only: the lobby hub speaks JSON, never
/// "blazorpack", which serialises none of its types (with it, every push to a group failed with a FormatException).
/// </summary>
public sealed class HubProtocolsTests
{
    [Fact]
    public void TheLobbyHub_SpeaksJson_AndNotTheCircuitsProtocol_WhichIsWrappedToCloseOnUnknownMessages()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddLiveLobby();
        builder.AddLobbyComponents();
        using var services = builder.Services.BuildServiceProvider();

        // The lobby hub has no list of its own: it takes every hub's default list.
        Assert.Null(services.GetRequiredService<IOptions<HubOptions<LobbyHub>>>().Value.SupportedProtocols);
        var everyHub = services.GetRequiredService<IOptions<HubOptions>>().Value.SupportedProtocols!;
        Assert.Contains("json", everyHub);
        Assert.DoesNotContain(UnknownMessagesClose.CircuitProtocol, everyHub);
        var protocols = services.GetServices<IHubProtocol>().ToList();
        Assert.IsType<UnknownMessagesClose>(protocols.Last(p => p.Name == UnknownMessagesClose.CircuitProtocol));
        Assert.IsType<UnknownMessagesClose>(protocols.Last(p => p.Name == "json"));
    }
}
