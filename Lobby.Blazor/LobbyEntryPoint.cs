namespace Lobby;

/// <summary>Names this service's assembly for <c>WebApplicationFactory</c> (three services share the name Program).</summary>
public sealed class LobbyEntryPoint;
