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
        if (input.Length != before) throw new InvalidDataException("A hub message of an unknown type; the lobby's hub takes none.");
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
}
