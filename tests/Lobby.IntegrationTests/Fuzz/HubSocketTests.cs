using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lobby.IntegrationTests.Fuzz;

/// <summary>
/// The fuzz's raw hub socket against a server that batches: SignalR's transport sends what its pipe holds as one
/// WebSocket message, so under load the probe's completion and the records after it arrive together.
/// </summary>
public sealed class HubSocketTests
{
    [Fact]
    public async Task AProbeAnsweredInABatch_StillHandsOnTheRecordsAfterIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        app.Map("/hub", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, context.RequestAborted); // the handshake
            await socket.SendAsync(Encoding.UTF8.GetBytes("{}" + HubSocket.End), WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.ReceiveAsync(buffer, context.RequestAborted); // the frame
            await socket.ReceiveAsync(buffer, context.RequestAborted); // the probe
            // One message: the probe's completion first, then an error's detail, then the close.
            var batch = """{"type":3,"invocationId":"probe-1","error":"unknown method"}""" + HubSocket.End
                + """{"type":1,"target":"JS.Error","arguments":["System.ArgumentException: boom"]}""" + HubSocket.End
                + """{"type":7}""" + HubSocket.End;
            await socket.SendAsync(Encoding.UTF8.GetBytes(batch), WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
        });
        await app.StartAsync(ct);
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        using var hub = await HubSocket.OpenAsync(new UriBuilder(new Uri(url, "/hub")) { Scheme = "ws" }.Uri, null, ct);
        var seen = new List<string>();
        var reply = await hub.SendAndProbeAsync("""{"type":1,"target":"Anything","arguments":[]}"""u8.ToArray(), TimeSpan.FromSeconds(10), ct, r =>
        {
            seen.Add(r);
            return Task.CompletedTask;
        });

        // The first answer the message gives is the reply; nothing in the message is dropped.
        Assert.Equal(HubReply.ProbeAnswered, reply);
        Assert.Equal(3, seen.Count);
        Assert.Contains("System.ArgumentException: boom", seen[1], StringComparison.Ordinal);
        await app.StopAsync(ct);
    }
}
