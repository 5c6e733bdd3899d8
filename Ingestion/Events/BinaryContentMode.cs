using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace Ingestion.Events;

/// <summary>
/// The CloudEvents HTTP protocol binding's binary content mode (what the SDKs' HTTP emitters send by default): the
/// attributes in <c>ce-*</c> headers, percent-encoded, and the event's data as the body with Content-Type as its
/// datacontenttype. The request is rewritten as the one structured event it stands for, so the canonical parser, and
/// everything after it, is the same for both modes; errors about an attribute name its header.
/// </summary>
public static class BinaryContentMode
{
    public const string HeaderPrefix = "ce-";

    /// <summary>The context attributes the canonical parser reads; other <c>ce-*</c> headers (extensions, dataschema) are not used.</summary>
    private static readonly string[] Attributes = ["specversion", "id", "source", "type", "subject", "time"];

    /// <summary>
    /// Binary mode is any request that is not structured (its media type is not one of the CloudEvents or NDJSON
    /// ones) and carries a <c>ce-*</c> header; a plain <c>application/json</c> body without one stays a structured event.
    /// </summary>
    public static bool Applies(IHeaderDictionary headers, string mediaType)
    {
        if (mediaType is EventsApi.CloudEvent or EventsApi.CloudEventBatch or EventsApi.NdJson) return false;
        foreach (var name in headers.Keys)
        {
            if (name.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The data must be JSON: <c>application/json</c>, a <c>+json</c> type, or no Content-Type at all.</summary>
    public static bool IsJson(string mediaType) =>
        mediaType.Length == 0 || mediaType is "application/json" or "text/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    /// <summary>The structured event (UTF-8 JSON) these headers and this body stand for.</summary>
    /// <exception cref="EventRejectedException">An attribute header sent more than once (its attribute as the field; see <see cref="Describe"/>).</exception>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static ReadOnlyMemory<byte> ToStructured(IHeaderDictionary headers, ReadOnlyMemory<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(body.Length + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var attribute in Attributes)
            {
                var values = headers[HeaderPrefix + attribute];
                if (values.Count == 0) continue;
                if (values.Count > 1) throw new EventRejectedException(attribute, "must be sent once");
                json.WriteString(attribute, Decode(values));
            }
            if (!body.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                json.WritePropertyName("data");
                try
                {
                    json.WriteRawValue(body.Span);
                }
                catch (ArgumentException e)
                {
                    throw new JsonException(e.Message, e);
                }
            }
            json.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    /// <summary>
    /// The parser's error for the structured event, said of what the sender sent: an attribute is its header
    /// (<c>header ce-id: is required</c>), the data is the body; data fields keep their canonical names (<c>data.amount</c>).
    /// </summary>
    public static string Describe(string error)
    {
        foreach (var attribute in Attributes)
        {
            var prefix = $"field {attribute}: ";
            if (error.StartsWith(prefix, StringComparison.Ordinal)) return $"header {HeaderPrefix}{attribute}: {error[prefix.Length..]}";
        }
        const string data = "field data: ";
        return error.StartsWith(data, StringComparison.Ordinal) ? $"body (the event's data): {error[data.Length..]}" : error;
    }

    /// <summary>Header values are percent-encoded (UTF-8) where they hold characters HTTP headers cannot.</summary>
    private static string Decode(StringValues value)
    {
        var s = value.ToString();
        return s.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(s) : s;
    }
}
