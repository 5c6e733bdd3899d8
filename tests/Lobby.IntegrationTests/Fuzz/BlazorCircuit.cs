using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lobby.IntegrationTests.Fuzz;

/// <summary>
/// A Blazor Server circuit opened the way blazor.web.js opens one: fetch the page, read the server component markers
/// and the protected component state from the prerendered HTML, <c>StartCircuit</c> with no components, then
/// <c>UpdateRootComponents</c> adding the markers' components. Like the browser it acknowledges every render batch
/// (<c>OnRenderCompleted</c>) and answers every JS call (<c>EndInvokeJSFromDotNet</c>), and it keeps every text the
/// server sent that a person could read (errors, JS call failures, the strings of render batches) for the leak check.
/// </summary>
internal sealed partial class BlazorCircuit : IDisposable
{
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(10);

    private BlazorCircuit(HubSocket socket, string uri, string baseUri)
    {
        Socket = socket;
        Uri = uri;
        BaseUri = baseUri;
    }

    public HubSocket Socket { get; }

    /// <summary>The page's address, and the lobby's base address, as the browser reports them.</summary>
    public string Uri { get; }

    public string BaseUri { get; }

    /// <summary>The id that reconnects to this circuit (<c>ConnectCircuit</c>).</summary>
    public string Secret { get; private set; } = "";

    /// <summary>The renderer's interop object: browser events are <c>DispatchEventAsync</c> calls on it.</summary>
    public long RendererId { get; private set; }

    /// <summary>The marker JSON of each server component on the page (the <c>UpdateRootComponents</c> input).</summary>
    public IReadOnlyList<string> Markers { get; private set; } = [];

    /// <summary>The protected component state the page carried.</summary>
    public string State { get; private set; } = "";

    public int RenderBatches { get; private set; }

    /// <summary>Whether the server reported the circuit failed (<c>JS.Error</c>): it is gone, the connection soon after.</summary>
    public bool Failed { get; private set; }

    /// <summary>What the server said that a person could read, since the last <see cref="TakeTexts"/>.</summary>
    private readonly List<string> _texts = [];

    [GeneratedRegex("<!--Blazor:(\\{.*?\\})-->", RegexOptions.Singleline)]
    private static partial Regex Marker();

    [GeneratedRegex("<!--Blazor-Server-Component-State:(.*?)-->", RegexOptions.Singleline)]
    private static partial Regex ComponentState();

    [GeneratedRegex("\"__dotNetObject\":(\\d+)")]
    private static partial Regex DotNetObject();

    /// <summary>An exception's detail: a stack frame, a source line, or a namespaced exception type.</summary>
    [GeneratedRegex(@"\bat [\w.`+<>\[\]]+\(|\.cs:line \d+|\b(System|Microsoft|Lobby|MudBlazor|Shared)(\.\w+)+Exception\b|--- End of")]
    public static partial Regex Detail();

    /// <summary>A hub invocation frame (no invocation id: fire and forget, as blazor.web.js sends most of them).</summary>
    public static string Frame(string target, params object?[] arguments) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = 1, ["target"] = target, ["arguments"] = arguments });

    /// <summary>A hub invocation that asks for a completion under <paramref name="id"/>.</summary>
    public static string Call(string id, string target, params object?[] arguments) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = 1, ["invocationId"] = id, ["target"] = target, ["arguments"] = arguments });

    /// <summary>The <c>/_blazor</c> WebSocket address of a lobby.</summary>
    public static Uri HubAddress(Uri lobby) => new UriBuilder(new Uri(lobby, "/_blazor")) { Scheme = "ws" }.Uri;

    /// <summary>A connection to the circuit hub with no circuit on it yet, for messages that come before or instead of a start.</summary>
    public static async Task<BlazorCircuit> ConnectAsync(Uri lobby, CookieContainer cookies, string path, CancellationToken ct) =>
        new(await HubSocket.OpenAsync(HubAddress(lobby), cookies, ct, BlazorPack.Name), new Uri(lobby, path).ToString(), lobby.ToString());

    /// <summary>Opens a circuit on <paramref name="path"/> as the browser holding <paramref name="cookies"/>, and waits for its first render.</summary>
    public static async Task<BlazorCircuit> StartAsync(HttpClient browser, CookieContainer cookies, string path, CancellationToken ct)
    {
        using var response = await browser.GetAsync(new Uri(path, UriKind.Relative), ct);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
        // A prerendered component is a start marker (with its descriptor) and an end marker (its prerender id only).
        var markers = Marker().Matches(html).Select(m => m.Groups[1].Value).Where(m => m.Contains("\"descriptor\"", StringComparison.Ordinal)).ToList();
        Assert.True(markers.Count > 0, $"{path} carries no server component marker");
        var state = ComponentState().Match(html) is { Success: true } s ? s.Groups[1].Value : "";
        var circuit = await ConnectAsync(browser.BaseAddress!, cookies, path, ct);
        circuit.Markers = markers;
        circuit.State = state;
        var baseUri = circuit.BaseUri;
        try
        {
            string? secret = null;
            await circuit.SendAsync(Call("start", "StartCircuit", baseUri, circuit.Uri, "[]", state), ct);
            await circuit.ReadUntilAsync(r => (secret = Completion(r, "start")) is not null, ct);
            circuit.Secret = secret!;
            Assert.True(circuit.Secret.Length > 0, "StartCircuit returned no circuit id");
            await circuit.SendAsync(Frame("UpdateRootComponents", Operations(markers), state), ct);
            await circuit.ReadUntilAsync(_ => circuit.RenderBatches > 0 && circuit.RendererId > 0, ct);
            circuit.TakeTexts();
            return circuit;
        }
        catch
        {
            circuit.Dispose();
            throw;
        }
    }

    /// <summary>blazor.web.js's first root component batch: add each marker's component.</summary>
    public static string Operations(IReadOnlyList<string> markers) =>
        JsonSerializer.Serialize(new
        {
            batchId = 1,
            operations = markers.Select((m, i) =>
            {
                var marker = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(m)!;
                marker["uniqueId"] = JsonSerializer.SerializeToElement(i);
                return new { type = "add", ssrComponentId = i + 1, marker };
            }),
        });

    /// <summary>The completion's result for <paramref name="id"/>: its text, "" when it completed without one, null when the record is not it.</summary>
    private static string? Completion(string record, string id)
    {
        using var doc = JsonDocument.Parse(record);
        var root = doc.RootElement;
        if (root.GetProperty("type").GetInt32() != 3 || root.GetProperty("invocationId").GetString() != id) return null;
        return root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.String ? result.GetString() : "";
    }

    public Task SendAsync(string frame, CancellationToken ct) => Socket.SendMessageAsync(Encoding.UTF8.GetBytes(frame), ct);

    private async Task ReadUntilAsync(Func<string, bool> done, CancellationToken ct)
    {
        while (true)
        {
            var text = await Socket.ReceiveAsync(Answer, ct);
            Assert.True(!string.IsNullOrEmpty(text), $"the circuit {(text is null ? "closed" : "fell silent")} while starting: {string.Join(" | ", _texts)}");
            foreach (var record in text!.Split(HubSocket.End, StringSplitOptions.RemoveEmptyEntries))
            {
                await ObserveAsync(record, ct);
                if (done(record)) return;
            }
        }
    }

    /// <summary>Plays the browser's part for one record from the server, and keeps what a person could read of it.</summary>
    public async Task ObserveAsync(string record, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(record);
        var root = doc.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetInt32() : 0;
        if (root.TryGetProperty("error", out var error)) _texts.Add(error.ToString());
        if (type != 1) return;
        var target = root.GetProperty("target").GetString();
        var args = root.GetProperty("arguments");
        switch (target)
        {
            case "JS.RenderBatch":
                RenderBatches++;
                // The batch's string table is UTF-8 inside the binary frame: what the page shows.
                _texts.Add(Encoding.UTF8.GetString(args[1].GetBytesFromBase64()));
                await SendAsync(Frame("OnRenderCompleted", args[0].GetInt64(), null), ct);
                break;
            case "JS.BeginInvokeJS":
                var handle = args[0].GetInt64();
                var identifier = args[1].GetString() ?? "";
                if (identifier.Contains("attachWebRendererInterop", StringComparison.Ordinal) && DotNetObject().Match(args[2].GetString() ?? "") is { Success: true } m)
                {
                    RendererId = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                if (handle != 0) await SendAsync(Frame("EndInvokeJSFromDotNet", handle, true, $"[{handle},true,null]"), ct);
                break;
            case "JS.Error":
                Failed = true;
                _texts.Add(args.ToString());
                break;
            case "JS.EndInvokeDotNet" or "JS.EndLocationChanging":
                _texts.Add(args.ToString());
                break;
        }
    }

    /// <summary>Reads what the server still sends (answers run on the circuit, after the hub's own reply) until it falls quiet or closes.</summary>
    public async Task SettleAsync(TimeSpan quiet, CancellationToken ct)
    {
        while (await Socket.ReceiveAsync(quiet, ct) is { Length: > 0 } text)
        {
            foreach (var record in text.Split(HubSocket.End, StringSplitOptions.RemoveEmptyEntries)) await ObserveAsync(record, ct);
        }
    }

    /// <summary>The readable texts since the last call.</summary>
    public List<string> TakeTexts()
    {
        var texts = _texts.ToList();
        _texts.Clear();
        return texts;
    }

    public void Dispose() => Socket.Dispose();
}
