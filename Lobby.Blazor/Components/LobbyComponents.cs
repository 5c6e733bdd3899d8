using MudBlazor.Services;

namespace Lobby.Components;

public static class LobbyComponents
{
    /// <summary>Razor components on interactive server rendering, with MudBlazor.</summary>
    public static IHostApplicationBuilder AddLobbyComponents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        Live.UnknownMessagesClose.RegisterForCircuits(builder.Services);
        builder.Services.AddMudServices();
        return builder;
    }

    public static IEndpointRouteBuilder MapLobbyComponents(this IEndpointRouteBuilder app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
