using Lobby;
using Lobby.Catalogue;
using Lobby.Components;
using Lobby.Console;
using Lobby.Experiments;
using Lobby.Live;
using Lobby.Play;
using Lobby.Players;
using Lobby.Rows;
using Shared.ServiceDefaults;
using Shared.Store;

if (HashPasswordCommand.Matches(args)) return HashPasswordCommand.Run(args, HashPasswordCommand.Input(), Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(LobbyMetrics.MeterName);
builder.AddRedisStore();
builder.AddSharedDataProtection();
builder.AddLobbyOptions();
builder.AddPlayerSignIn();
builder.AddConsole();
builder.AddLobbyRows();
builder.AddLobbyCatalogue();
builder.AddLobbyPlay();
builder.AddLobbyExperiments();
builder.AddLiveLobby();
builder.AddLobbyComponents();
builder.AddSecureCookies();
builder.AddPlayerRateLimits();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UsePlayerRateLimits();
app.UseAuthorization();
app.UseAntiforgery();

app.MapPlayerSignIn();
app.MapConsole();
app.MapLiveLobby();
app.MapLobbyComponents();

app.Run();
return 0;
