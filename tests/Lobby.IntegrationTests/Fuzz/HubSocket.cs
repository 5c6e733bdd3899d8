using System.Net;
using System.Net.WebSockets;
using System.Text;
using Lobby.Live;

namespace Lobby.IntegrationTests.Fuzz;

internal enum HubReply { ProbeAnswered, Closed, Hung }

/// <summary>
/// A raw WebSocket to a SignalR hub speaking the JSON protocol (records end with 0x1E), so a fuzz can send frames no
/// well-behaved client would: the lobby's hub, and Blazor's circuit hub (<c>/_blazor</c>, which takes only blazor.web.js's
/// MessagePack protocol, <see cref="BlazorPack"/>).
/// </summary>
internal sealed class HubSocket : IDisposable
{
    public const char End = '\u001e';
    private static readonly TimeSpan Handshake = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket;
    private readonly bool _binary;
    private bool _handshaken;
    private int _probes;

    private HubSocket(ClientWebSocket socket, bool binary) => (_socket, _binary) = (socket, binary);

    /// <summary>The lobby's own hub, as a player holding <paramref name="token"/>.</summary>
    public static Task<HubSocket> ConnectAsync(Uri lobby, string token, CancellationToken ct) =>
        OpenAsync(new UriBuilder(new Uri(lobby, LiveLobby.HubPath)) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri, null, ct);

    /// <summary>
    /// Any hub at <paramref name="ws"/>, sending <paramref name="cookies"/> with the upgrade (a browser's sign-in), in
    /// the JSON protocol or in <see cref="BlazorPack"/>.
    /// </summary>
    public static async Task<HubSocket> OpenAsync(Uri ws, CookieContainer? cookies, CancellationToken ct, string protocol = "json")
    {
        var socket = new ClientWebSocket();
        if (cookies is not null) socket.Options.Cookies = cookies;
        // The upgrade's status is what the fuzz asserts on (never 5xx), not an exception's text.
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(ws, ct);
        }
        catch (WebSocketException e)
        {
            Assert.Fail($"the upgrade to {ws.AbsolutePath} was answered {(int)socket.HttpStatusCode}: {e.Message}");
        }
        var hub = new HubSocket(socket, protocol == BlazorPack.Name);
        await hub.SendAsync(Encoding.UTF8.GetBytes($$"""{"protocol":"{{protocol}}","version":1}""" + End), ct);
        var handshake = await hub.ReceiveAsync(Handshake, ct);
        Assert.True(handshake is not null && handshake.StartsWith("{}", StringComparison.Ordinal), $"handshake answered {handshake}");
        return hub;
    }

    private async Task SendAsync(byte[] frame, CancellationToken ct) =>
        await _socket.SendAsync(new ArraySegment<byte>(frame), _binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, ct);

    /// <summary>One hub message written as JSON, framed for the protocol (a record separator, or MessagePack with its length).</summary>
    public Task SendMessageAsync(byte[] json, CancellationToken ct) => SendAsync(_binary ? BlazorPack.Frame(json) : [.. json, (byte)End], ct);

    /// <summary>The next message's text, null when the socket closed, or empty when nothing came in time.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan within, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(within);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), limit.Token);
                if (result.MessageType == WebSocketMessageType.Close) return null;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                if (!_binary || !_handshaken)
                {
                    _handshaken = true;
                    return Encoding.UTF8.GetString(message.ToArray());
                }
                return string.Join(End, BlazorPack.Records(message.ToArray()));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return "";
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sends the frame (plus the record separator), then a probe invocation, and reads until the probe's answer or a
    /// close; every record read on the way is handed to <paramref name="seen"/> (a close message included).
    /// </summary>
    public async Task<HubReply> SendAndProbeAsync(byte[] frame, TimeSpan within, CancellationToken ct, Func<string, Task>? seen = null)
    {
        var probe = "probe-" + ++_probes;
        try
        {
            await SendMessageAsync(frame, ct);
            await SendMessageAsync(Encoding.UTF8.GetBytes($$"""{"type":1,"invocationId":"{{probe}}","target":"Probe","arguments":[]}"""), ct);
        }
        catch (WebSocketException)
        {
            return HubReply.Closed;
        }
        while (true)
        {
            var text = await ReceiveAsync(within, ct);
            if (text is null) return HubReply.Closed;
            if (text.Length == 0) return HubReply.Hung;
            // Every record of the message is seen before the answer is given: the server batches what it sends, and a
            // record after the probe's completion (an error's detail, say) must not be dropped with the rest of the read.
            HubReply? reply = null;
            foreach (var record in text.Split(End, StringSplitOptions.RemoveEmptyEntries))
            {
                if (seen is not null) await seen(record);
                // A close message (type 7) ends the connection; the probe's completion (type 3) proves it alive.
                if (record.Contains("\"type\":7", StringComparison.Ordinal)) reply ??= HubReply.Closed;
                if (record.Contains($"\"invocationId\":\"{probe}\"", StringComparison.Ordinal)) reply ??= HubReply.ProbeAnswered;
            }
            if (reply is { } answer) return answer;
        }
    }

    public void Dispose() => _socket.Dispose();
}
