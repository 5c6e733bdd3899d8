using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ingestion.Adapters.FastTrack;

/// <summary>Names the Fast Track field of a body that does not deserialize: used by the push adapter and the PAM client.</summary>
public static class FastTrackJsonErrors
{
    /// <summary>
    /// The field and problem of a body that does not deserialize: a value of the wrong type names its Fast Track field
    /// (<c>$.amount</c> → <c>amount: must be a number</c>); anything else is a problem of the whole body.
    /// </summary>
    public static (string Field, string Problem) Describe(JsonException e, JsonTypeInfo root)
    {
        if (e.Path is { Length: > 1 } path && path.StartsWith('$') && Walk(root, path) is { } property)
        {
            return (path[2..], Expected(property));
        }
        return ("body", "must be a JSON object of Fast Track's message" + (e.Path is { Length: > 1 } p ? $" (near {p})" : ""));
    }

    private static JsonPropertyInfo? Walk(JsonTypeInfo root, string path)
    {
        var type = root;
        JsonPropertyInfo? property = null;
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                var name = end < 0 ? path[(i + 1)..] : path[(i + 1)..end];
                property = type.Properties.FirstOrDefault(p => p.Name == name);
                if (property is null) return null;
                type = type.Options.GetTypeInfo(property.PropertyType);
                i = end < 0 ? path.Length : end;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || type.ElementType is null) return null;
                type = type.Options.GetTypeInfo(type.ElementType);
                property = null;
                i = end + 1;
            }
            else
            {
                return null;
            }
        }
        return property;
    }

    private static string Expected(JsonPropertyInfo p)
    {
        if (p.CustomConverter is FastTrackIdConverter) return "must be a string or a number";
        var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        if (t == typeof(decimal)) return "must be a number";
        if (t == typeof(bool)) return "must be true or false";
        if (t == typeof(string)) return "must be a string";
        if (t.IsGenericType) return "must be an array of objects";
        return "must be a JSON object";
    }
}
