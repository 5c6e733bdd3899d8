using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Lobby.Live;

/// <summary>
/// SignalR's JSON protocol with one change: a message of a type it does not know closes the connection instead of
/// being "ignored". The framework's protocol skips such a message by answering "no message", which its connection
/// handler takes for "wait for more data": the connection stopped processing anything for good (with the default
/// <c>MaximumReceiveMessageSize</c>), a client wedging a hub slot with one frame (dotnet/aspnetcore#69285, found by the
/// lobby's fuzz suite). Closing is what every other malformed frame gets.
/// </summary>
public sealed class UnknownMessagesClose(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        var before = input.Length;
        if (inner.TryParseMessage(ref input, binder, out message)) return true;
        // A whole record was read and yielded nothing: a message type this protocol does not know.
        if (input.Length != before) throw new InvalidDataException("A hub message of an unknown type.");
        return false;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    /// <summary>
    /// Puts the wrapper in place of the JSON protocol <c>AddSignalR</c> registered (Blazor's own protocol stays as it
    /// is). SignalR's resolver keeps the last protocol of each name, so the wrapper goes after the framework's, which is
    /// left registered: every later <c>AddSignalR</c> (Blazor's server components call it) then finds it there and adds
    /// no second one behind the wrapper.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IHubProtocol>(sp => new UnknownMessagesClose(ActivatorUtilities.CreateInstance<JsonHubProtocol>(sp)));
    }

    /// <summary>
    /// The same wrapper around Blazor's circuit protocol ("blazorpack", SignalR's MessagePack under Blazor's name, the
    /// only one <c>/_blazor</c> takes): it skips an unknown message type the same way, so one frame wedged a circuit's
    /// connection for good, the circuit and its components held in memory while the socket stays open (found by the
    /// circuit fuzz). Call after <c>AddInteractiveServerComponents</c>, which registers the protocol this wraps.
    /// </summary>
    public static void RegisterForCircuits(IServiceCollection services)
    {
        var blazorPack = services.LastOrDefault(d => d.ServiceType == typeof(IHubProtocol) && d.ImplementationType?.Name == "BlazorPackHubProtocol")?.ImplementationType
            ?? throw new InvalidOperationException("Blazor's circuit protocol (BlazorPackHubProtocol) is not registered: call AddInteractiveServerComponents first.");
        services.AddSingleton<IHubProtocol>(sp => new UnknownMessagesClose((IHubProtocol)ActivatorUtilities.CreateInstance(sp, blazorPack)));
        // The framework keeps its protocol off every other hub by an attribute on its type ([NonDefaultHubProtocol]),
        // which the wrapper does not carry: without this, every hub (the lobby's own) would also serialise each message
        // for "blazorpack", which takes none of their types, and fail every push.
        services.PostConfigure<HubOptions>(o => o.SupportedProtocols?.Remove(CircuitProtocol));
    }

    /// <summary>The name of Blazor's circuit protocol, the only one <c>/_blazor</c> takes.</summary>
    public const string CircuitProtocol = "blazorpack";
}
