using Lobby;
using Lobby.Catalogue;
using Lobby.Components;
using Lobby.Live;
using Lobby.Play;
using Lobby.Players;
using Lobby.Rows;
using Shared.ServiceDefaults;
using Shared.Store;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(LobbyMetrics.MeterName);
builder.AddRedisStore();
builder.AddLobbyOptions();
builder.AddPlayerSignIn();
builder.AddLobbyRows();
builder.AddLobbyCatalogue();
builder.AddLobbyPlay();
builder.AddLiveLobby();
builder.AddLobbyComponents();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapPlayerSignIn();
app.MapLiveLobby();
app.MapLobbyComponents();

app.Run();
