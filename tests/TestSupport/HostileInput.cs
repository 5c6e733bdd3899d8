using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using StackExchange.Redis;

namespace TestSupport;

/// <summary>One fuzz input: the body to send, the field it spoils (null: the body as a whole) and how.</summary>
public sealed record HostileCase(string Body, string? Field, string How)
{
    /// <summary>The body as bytes; some cases carry bytes that are not UTF-8 (see <see cref="HostileInput.IsRaw"/>).</summary>
    public byte[] Bytes => HostileInput.Raw.TryGetValue(Body, out var raw) ? raw : Encoding.UTF8.GetBytes(Body);
}

/// <summary>
/// Property-based hostile input for the public endpoints: from a valid request, each case spoils one field with a
/// hostile value (wrong type, huge or NaN number, negative or over-precise amount, unknown currency, a time far in the
/// future or past, an id with <c>{</c> <c>}</c> <c>:</c> or control characters, an over-long string, deep nesting) or
/// removes it, or spoils the body as a whole (truncated, not JSON, nested past any parser's depth, past the size cap).
/// Generated with CsCheck from a fixed seed, so a run is repeatable and a failure names the case that broke.
/// </summary>
public static class HostileInput
{
    internal static readonly ConcurrentDictionary<string, byte[]> Raw = new(StringComparer.Ordinal);

    /// <summary>Whether the case carries bytes that are not UTF-8 (its <see cref="HostileCase.Body"/> only names them).</summary>
    public static bool IsRaw(HostileCase c) => Raw.ContainsKey(c.Body);

    /// <summary>How many inputs each endpoint took in this process, for the suites to print.</summary>
    public static ConcurrentDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    private static readonly string[] Literals =
    [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "1e308", "79228162514264337593543950336", "-79228162514264337593543950336",
        "0.000000000000000000000000000001", "12.3456789012345678901234567890", "-250.75", "1E+30", "-0", "9007199254740993",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e999\"", "\"-5\"", "\"\"", "\" \"", "\"XXX\"", "\"EURO\"", "\"eur\"", "\"ZZZ\"",
        "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"2126-01-01T00:00:00Z\"", "\"1900-01-01T00:00:00+14:00\"", "\"2026-13-45T25:61:00Z\"",
        "\"not a time\"", "253402300800", "-62135596800000",
        "\"{p}\"", "\"a}b{c\"", "\"p:1:2\"", "\"{\"", "\"}\"", "\"::\"", "\"a\\u0000b\"", "\"\\u0007\\u001b[31m\"", "\"line\\nbreak\"", "\"tab\\tid\"",
        "\"\\ud800\"", "\"=HYPERLINK(\\\"http://x\\\")\"", "\"../../etc/passwd\"", "\"<script>alert(1)</script>\"", "\"' OR 1=1 --\"",
        "{}", "[]", "[[]]", "{\"a\":{\"b\":{}}}", "[1,\"two\",null]", "{\"$type\":\"System.IO.FileInfo\"}",
    ];

    private static readonly Gen<string> Literal = Gen.Int[0, Literals.Length - 1].Select(i => Literals[i]);

    private static readonly Gen<string> LongString = Gen.Int[1, 4].Select(k => k switch
    {
        1 => '"' + new string('a', 1_000) + '"',
        2 => '"' + new string('é', 20_000) + '"',
        3 => '"' + string.Concat(Enumerable.Repeat("{x}:", 5_000)) + '"',
        _ => '"' + new string('9', 100_000) + '"',
    });

    private static readonly Gen<string> Deep = Gen.Int[10, 2_000].Select(depth => new string('[', depth) + "1" + new string(']', depth));

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e309"),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Decimal.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private static readonly Gen<string> Value = Gen.Frequency((6, Literal), (2, Number), (1, LongString), (1, Deep));

    /// <summary>The body as a whole spoiled: truncated, not JSON, nested too deep, wrapped, empty, or past the cap.</summary>
    private static Gen<HostileCase> WholeBody(string valid, int? cap) => Gen.Int[0, 8].Select(Gen.Int[1, Math.Max(1, valid.Length - 1)], (kind, at) => kind switch
    {
        0 => new HostileCase(valid[..at], null, "truncated"),
        1 => new HostileCase("", null, "empty"),
        2 => new HostileCase(new string('{', 5_000), null, "unclosed nesting"),
        3 => new HostileCase(new string('[', 1_000 + at % 1_000) + "1" + new string(']', 1_000 + at % 1_000), null, "deep array"),
        4 => new HostileCase("[" + valid + "," + valid + "]", null, "wrapped twice"),
        5 => new HostileCase(valid + valid, null, "concatenated"),
        6 => Bytes(valid, at),
        7 => new HostileCase(cap is { } c ? Pad(valid, c + 1) : valid.Replace("\"", "'", StringComparison.Ordinal), null, cap is null ? "single quotes" : "past the size cap"),
        _ => new HostileCase("{\"a\":" + new string('[', 200) + new string(']', 200) + "}", null, "nested object"),
    });

    private static HostileCase Bytes(string valid, int at)
    {
        // Not UTF-8: a lone continuation byte and an overlong NUL in the middle of the body.
        var utf8 = Encoding.UTF8.GetBytes(valid);
        var at2 = Math.Min(at, utf8.Length);
        byte[] raw = [.. utf8[..at2], 0x80, 0xC0, 0x80, .. utf8[at2..]];
        var key = "raw:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(raw));
        Raw[key] = raw;
        return new HostileCase(key, null, "invalid UTF-8");
    }

    private static string Pad(string valid, int size)
    {
        var node = JsonNode.Parse(valid)!;
        if (node is JsonObject o) o["padding"] = new string('x', Math.Max(0, size - valid.Length));
        else return "[" + new string(' ', size) + "]";
        return node.ToJsonString();
    }

    /// <summary>Every value's path in a JSON document: <c>data.amount</c>, <c>games[0].rtp</c>.</summary>
    private static List<(string Path, string Leaf)> Paths(JsonNode node, string at = "")
    {
        var paths = new List<(string, string)>();
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    var path = at.Length == 0 ? name : $"{at}.{name}";
                    paths.Add((path, name));
                    if (child is not null) paths.AddRange(Paths(child, path));
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is { } child) paths.AddRange(Paths(child, $"{at}[{i}]"));
                }
                break;
        }
        return paths;
    }

    private static HostileCase Spoil(string valid, (string Path, string Leaf) field, string value, bool remove)
    {
        var root = JsonNode.Parse(valid)!;
        var (parent, name, index) = Locate(root, field.Path);
        if (remove)
        {
            if (parent is JsonObject o) o.Remove(name!);
            else ((JsonArray)parent).RemoveAt(index);
            return new HostileCase(root.ToJsonString(), field.Leaf, "removed");
        }
        const string Marker = "\"__hostile__\"";
        if (parent is JsonObject obj) obj[name!] = "__hostile__";
        else ((JsonArray)parent)[index] = "__hostile__";
        return new HostileCase(root.ToJsonString().Replace(Marker, value, StringComparison.Ordinal), field.Leaf, "set to " + Shorten(value));
    }

    private static (JsonNode Parent, string? Name, int Index) Locate(JsonNode root, string path)
    {
        JsonNode parent = root;
        var parts = System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            var part = parts[i];
            if (part.StartsWith('['))
            {
                var index = int.Parse(part[1..^1], CultureInfo.InvariantCulture);
                if (last) return (parent, null, index);
                parent = parent[index]!;
            }
            else
            {
                if (last) return (parent, part, -1);
                parent = parent[part]!;
            }
        }
        throw new InvalidOperationException(path);
    }

    public static string Shorten(string s) => s.Length <= 400 ? s : $"{s[..300]}… ({s.Length:N0} chars)";

    /// <summary>Cases from one valid request: nine in ten spoil one field (or remove it), one in ten the whole body.</summary>
    public static Gen<HostileCase> From(string valid, int? cap = null)
    {
        var paths = Paths(JsonNode.Parse(valid)!);
        var field = Gen.Int[0, paths.Count - 1].Select(Value, Gen.Int[0, 9], (i, value, roll) => Spoil(valid, paths[i], value, remove: roll == 0));
        return Gen.Frequency((9, field), (1, WholeBody(valid, cap)));
    }

    /// <summary>
    /// Generates <paramref name="count"/> cases from a fixed seed and checks each in turn; returns a line for each case
    /// that broke a property (endpoint, index, seed, the case and what broke), empty when none did. Counts the inputs
    /// under <paramref name="endpoint"/>.
    /// </summary>
    public static async Task<List<string>> RunAsync(string endpoint, Gen<HostileCase> cases, int count, ulong seed, Func<HostileCase, Task> check)
    {
        var pcg = new PCG(1, seed);
        var failures = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var @case = cases.Generate(pcg, null, out _);
            try
            {
                await check(@case);
            }
            catch (Exception e)
            {
                failures.Add($"{endpoint}, input {i} (seed {seed}), field {@case.Field ?? "(body)"} {@case.How}: {Shorten(@case.Body)}\n  {e.Message}");
            }
            Counts.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
        }
        return failures;
    }

    /// <summary>Every key under <paramref name="prefix"/> with its serialized value, except those <paramref name="skip"/> names.</summary>
    public static async Task<Dictionary<string, string>> DumpAsync(IConnectionMultiplexer redis, string prefix, Func<string, bool>? skip = null)
    {
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000))
        {
            if (skip?.Invoke(key!) != true) keys.Add(key);
        }
        var values = await Task.WhenAll(keys.Select(k => db.KeyDumpAsync(k)));
        var dump = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++) dump[keys[i]!] = values[i] is { } v ? Convert.ToHexString(v) : "";
        return dump;
    }

    /// <summary>The keys that differ between two dumps, for a failure message.</summary>
    public static string Difference(Dictionary<string, string> before, Dictionary<string, string> after) =>
        string.Join(", ", before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)));

    /// <summary>A line per endpoint with the number of inputs it took.</summary>
    public static string Report(IEnumerable<string> endpoints) =>
        string.Join('\n', endpoints.Select(e => $"{e}: {Counts.GetValueOrDefault(e):N0} inputs, 5xx = 0"));
}

