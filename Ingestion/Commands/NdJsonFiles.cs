using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Ingestion.Commands;

/// <summary>History files: names or glob patterns in, readable (optionally gzip) streams out.</summary>
internal static class NdJsonFiles
{
    /// <summary>
    /// Files named directly, then every file a pattern (<c>*</c>, <c>?</c>, <c>**</c>) matches, in name order.
    /// Arguments that are neither an existing file nor a matching pattern come back in <c>Missing</c>.
    /// </summary>
    public static (List<string> Files, List<string> Missing) Expand(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        var missing = new List<string>();
        foreach (var argument in arguments)
        {
            if (File.Exists(argument))
            {
                files.Add(Path.GetFullPath(argument));
                continue;
            }
            if (argument.IndexOfAny(['*', '?']) < 0)
            {
                missing.Add(argument);
                continue;
            }
            // The pattern is matched below its longest directory prefix without wildcards.
            var full = Path.GetFullPath(argument);
            var parts = full.Split(Path.DirectorySeparatorChar);
            var fixedParts = parts.TakeWhile(p => p.IndexOfAny(['*', '?']) < 0).ToArray();
            var root = string.Join(Path.DirectorySeparatorChar, fixedParts);
            if (root.Length == 0) root = Path.DirectorySeparatorChar.ToString();
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(string.Join('/', parts.Skip(fixedParts.Length)));
            var found = Directory.Exists(root)
                ? matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal).ToList()
                : [];
            if (found.Count == 0) missing.Add(argument);
            files.AddRange(found);
        }
        return (files.Distinct(StringComparer.Ordinal).ToList(), missing);
    }

    /// <summary>Opens a file for reading, through gzip when its name ends in .gz or it starts with the gzip magic bytes.</summary>
    /// <param name="raw">The file itself, whose position tells how much of it has been read.</param>
    public static Stream Open(string path, out FileStream raw)
    {
        raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        Span<byte> magic = stackalloc byte[2];
        var read = raw.Read(magic);
        raw.Position = 0;
        var gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
        return gzip ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false) : raw;
    }
}

/// <summary>A run of an NDJSON file's non-blank lines, one after another in one buffer, with their line numbers (1-based).</summary>
internal sealed record NdJsonChunk(ReadOnlyMemory<byte> Body, IReadOnlyList<(int Start, int Length, long Line)> Lines);

/// <summary>Reads an NDJSON stream a chunk at a time, so memory stays bounded whatever the file's size.</summary>
internal sealed class NdJsonChunkReader(Stream stream, int maxLines, int maxBytes)
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
    private long _line;
    private bool _done;

    /// <summary>The next chunk (up to maxLines lines, about maxBytes bytes), or null at the end of the stream.</summary>
    public async Task<NdJsonChunk?> ReadAsync(CancellationToken ct)
    {
        if (_done) return null;
        var body = new ArrayBufferWriter<byte>(Math.Min(maxBytes, 1 << 20));
        var lines = new List<(int, int, long)>();
        while (true)
        {
            var result = await _reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var full = false;
            while (!(full = lines.Count >= maxLines || body.WrittenCount >= maxBytes) && TryTakeLine(ref buffer, out var line))
            {
                Add(body, lines, line);
            }
            if (full)
            {
                // Complete lines may be left in the buffer: mark them unexamined so the next read returns them at once.
                _reader.AdvanceTo(buffer.Start);
                break;
            }
            if (result.IsCompleted)
            {
                // The last line may lack its newline.
                if (!buffer.IsEmpty) Add(body, lines, buffer);
                _reader.AdvanceTo(buffer.End);
                await _reader.CompleteAsync();
                _done = true;
                break;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
        return lines.Count == 0 && _done ? null : new NdJsonChunk(body.WrittenMemory, lines);
    }

    private void Add(ArrayBufferWriter<byte> body, List<(int, int, long)> lines, ReadOnlySequence<byte> line)
    {
        _line++;
        if (IsBlank(line)) return;
        var start = body.WrittenCount;
        var length = checked((int)line.Length);
        line.CopyTo(body.GetSpan(length));
        body.Advance(length);
        lines.Add((start, length, _line));
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            if (!segment.Span.Trim(" \t\r"u8).IsEmpty) return false;
        }
        return true;
    }
}
