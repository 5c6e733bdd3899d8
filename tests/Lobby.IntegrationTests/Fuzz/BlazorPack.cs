using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lobby.IntegrationTests.Fuzz;

/// <summary>
/// The circuit hub's only protocol, "blazorpack": SignalR's MessagePack protocol (each message an array, prefixed with
/// its length as a 7-bit varint) under Blazor's name; the hub refuses JSON. The fuzz writes its messages as JSON (the
/// generators spoil JSON, and a failure then reads as JSON) and this turns them into MessagePack, and the server's
/// answers back into JSON records. A string <c>"bin:…"</c> (base64) is sent as MessagePack binary (byte[] arguments);
/// a body that is not JSON is sent as it is, a MessagePack message of garbage.
/// </summary>
internal static class BlazorPack
{
    public const string Name = "blazorpack";
    public const string Binary = "bin:";

    /// <summary>A JSON-written hub message as a length-prefixed MessagePack message.</summary>
    public static byte[] Frame(byte[] json)
    {
        byte[] payload;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 10_000 });
            var writer = new List<byte>(json.Length + 16);
            WriteMessage(doc.RootElement, writer);
            payload = [.. writer];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            // Not JSON, or a string MessagePack cannot carry (invalid UTF-8, a lone surrogate): the bytes go as they are.
            payload = json;
        }
        var prefix = new List<byte>(5);
        for (var n = (uint)payload.Length; ; n >>= 7)
        {
            if (n < 0x80)
            {
                prefix.Add((byte)n);
                break;
            }
            prefix.Add((byte)(n & 0x7F | 0x80));
        }
        return [.. prefix, .. payload];
    }

    /// <summary>A hub message object in SignalR's MessagePack order: [type, headers, invocationId, target, arguments].</summary>
    private static void WriteMessage(JsonElement message, List<byte> w)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            Write(message, w);
            return;
        }
        JsonElement? Field(string name) => message.TryGetProperty(name, out var v) ? v : null;
        var type = Field("type");
        w.Add(0x95);
        if (type is { } t) Write(t, w);
        else w.Add(0xC0);
        w.Add(0x80);
        foreach (var name in (string[])["invocationId", "target", "arguments"])
        {
            if (Field(name) is { } v) Write(v, w);
            else w.Add(0xC0);
        }
    }

    private static void Write(JsonElement value, List<byte> w)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                w.Add(0xC0);
                break;
            case JsonValueKind.True:
                w.Add(0xC3);
                break;
            case JsonValueKind.False:
                w.Add(0xC2);
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var l):
                WriteInteger(l, w);
                break;
            case JsonValueKind.Number when value.TryGetUInt64(out var u):
                w.Add(0xCF);
                Big(w, 8, s => BinaryPrimitives.WriteUInt64BigEndian(s, u));
                break;
            case JsonValueKind.Number:
                var d = value.GetDouble();
                w.Add(0xCB);
                Big(w, 8, s => BinaryPrimitives.WriteDoubleBigEndian(s, d));
                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.StartsWith(Binary, StringComparison.Ordinal)) WriteBytes(Convert.FromBase64String(text[Binary.Length..]), w);
                else WriteString(text, w);
                break;
            case JsonValueKind.Array:
                Header(value.GetArrayLength(), 0x90, 15, 0xDC, 0xDD, w);
                foreach (var item in value.EnumerateArray()) Write(item, w);
                break;
            default:
                var properties = value.EnumerateObject().ToList();
                Header(properties.Count, 0x80, 15, 0xDE, 0xDF, w);
                foreach (var p in properties)
                {
                    WriteString(p.Name, w);
                    Write(p.Value, w);
                }
                break;
        }
    }

    private static void WriteInteger(long l, List<byte> w)
    {
        switch (l)
        {
            case >= 0 and <= 127: w.Add((byte)l); break;
            case >= -32 and < 0: w.Add((byte)(sbyte)l); break;
            case >= int.MinValue and <= int.MaxValue:
                w.Add(0xD2);
                Big(w, 4, s => BinaryPrimitives.WriteInt32BigEndian(s, (int)l));
                break;
            default:
                w.Add(0xD3);
                Big(w, 8, s => BinaryPrimitives.WriteInt64BigEndian(s, l));
                break;
        }
    }

    private static void WriteString(string text, List<byte> w)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length < 32) w.Add((byte)(0xA0 | bytes.Length));
        else Header(bytes.Length, 0, -1, 0xDA, 0xDB, w);
        w.AddRange(bytes);
    }

    private static void WriteBytes(byte[] bytes, List<byte> w)
    {
        w.Add(0xC6);
        Big(w, 4, s => BinaryPrimitives.WriteInt32BigEndian(s, bytes.Length));
        w.AddRange(bytes);
    }

    /// <summary>A fix-size header when the count fits, else a 16- or 32-bit one.</summary>
    private static void Header(int count, byte fix, int fixMax, byte sixteen, byte thirtyTwo, List<byte> w)
    {
        if (count <= fixMax) w.Add((byte)(fix | count));
        else if (count <= ushort.MaxValue)
        {
            w.Add(sixteen);
            Big(w, 2, s => BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)count));
        }
        else
        {
            w.Add(thirtyTwo);
            Big(w, 4, s => BinaryPrimitives.WriteInt32BigEndian(s, count));
        }
    }

    private delegate void SpanWriter(Span<byte> span);

    private static void Big(List<byte> w, int size, SpanWriter write)
    {
        Span<byte> span = stackalloc byte[8];
        write(span[..size]);
        foreach (var b in span[..size]) w.Add(b);
    }

    /// <summary>The server's messages in one WebSocket message, each as a JSON record (binary as base64).</summary>
    public static IEnumerable<string> Records(byte[] data)
    {
        var at = 0;
        while (at < data.Length)
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[at++];
                length |= (b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            var end = at + length;
            var message = Read(data, ref at) as JsonArray;
            at = end;
            yield return Record(message).ToJsonString();
        }
    }

    /// <summary>[type, …] as the JSON protocol's object: invocations, completions (error or result), close.</summary>
    private static JsonObject Record(JsonArray? m)
    {
        JsonNode? At(int i) => m is not null && i < m.Count ? m[i]?.DeepClone() : null;
        static long? Long(JsonNode? n) => n is JsonValue v && long.TryParse(v.ToJsonString(), out var x) ? x : null;
        var type = Long(At(0)) ?? 0;
        return type switch
        {
            1 or 4 => new JsonObject { ["type"] = type, ["invocationId"] = At(2), ["target"] = At(3), ["arguments"] = At(4) },
            3 when Long(At(3)) == 1 => new JsonObject { ["type"] = type, ["invocationId"] = At(2), ["error"] = At(4) },
            3 => new JsonObject { ["type"] = type, ["invocationId"] = At(2), ["result"] = At(4) },
            7 => new JsonObject { ["type"] = type, ["error"] = At(1) },
            _ => new JsonObject { ["type"] = type },
        };
    }

    private static JsonNode? Read(byte[] d, ref int at)
    {
        var b = d[at++];
        switch (b)
        {
            case <= 0x7F: return b;
            case >= 0xE0: return (sbyte)b;
            case >= 0xA0 and <= 0xBF: return Str(d, ref at, b & 0x1F);
            case >= 0x90 and <= 0x9F: return Arr(d, ref at, b & 0x0F);
            case >= 0x80 and <= 0x8F: return Map(d, ref at, b & 0x0F);
        }
        int Len(ref int at, int size)
        {
            var n = size switch { 1 => d[at], 2 => BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at)), _ => (int)BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(at)) };
            at += size;
            return n;
        }
        JsonNode Number<T>(T value, ref int at, int size)
        {
            at += size;
            return JsonValue.Create(value)!;
        }
        return b switch
        {
            0xC0 => null,
            0xC2 => false,
            0xC3 => true,
            0xC4 or 0xC5 or 0xC6 => Bin(d, ref at, Len(ref at, 1 << (b - 0xC4))),
            0xCA => Number(BinaryPrimitives.ReadSingleBigEndian(d.AsSpan(at)), ref at, 4),
            0xCB => Number(BinaryPrimitives.ReadDoubleBigEndian(d.AsSpan(at)), ref at, 8),
            0xCC => Number(d[at], ref at, 1),
            0xCD => Number(BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at)), ref at, 2),
            0xCE => Number(BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(at)), ref at, 4),
            0xCF => Number(BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(at)), ref at, 8),
            0xD0 => Number((sbyte)d[at], ref at, 1),
            0xD1 => Number(BinaryPrimitives.ReadInt16BigEndian(d.AsSpan(at)), ref at, 2),
            0xD2 => Number(BinaryPrimitives.ReadInt32BigEndian(d.AsSpan(at)), ref at, 4),
            0xD3 => Number(BinaryPrimitives.ReadInt64BigEndian(d.AsSpan(at)), ref at, 8),
            0xD9 or 0xDA or 0xDB => Str(d, ref at, Len(ref at, 1 << (b - 0xD9))),
            0xDC or 0xDD => Arr(d, ref at, Len(ref at, b == 0xDC ? 2 : 4)),
            0xDE or 0xDF => Map(d, ref at, Len(ref at, b == 0xDE ? 2 : 4)),
            _ => throw new InvalidDataException($"MessagePack type 0x{b:X2} is not one a hub sends"),
        };
    }

    private static JsonNode Str(byte[] d, ref int at, int n)
    {
        var s = Encoding.UTF8.GetString(d, at, n);
        at += n;
        return s;
    }

    private static JsonNode Bin(byte[] d, ref int at, int n)
    {
        var s = Convert.ToBase64String(d, at, n);
        at += n;
        return s;
    }

    private static JsonArray Arr(byte[] d, ref int at, int n)
    {
        var a = new JsonArray();
        for (var i = 0; i < n; i++) a.Add(Read(d, ref at));
        return a;
    }

    private static JsonObject Map(byte[] d, ref int at, int n)
    {
        var o = new JsonObject();
        for (var i = 0; i < n; i++)
        {
            var key = Read(d, ref at)?.ToString() ?? "";
            o[key] = Read(d, ref at);
        }
        return o;
    }
}
