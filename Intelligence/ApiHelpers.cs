using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence;

/// <summary>What every Intelligence API needs of a request: who acts, its JSON body, and the problems they share (one wording each).</summary>
internal static class ApiHelpers
{
    public const string BadActorMessage = $"{ApiHeaders.Actor} must be 1 to 100 printable characters: the name of the person making the change.";

    /// <summary>
    /// The key's name, or the <c>X-Actor</c> header when the key holds <paramref name="trustedScope"/> (the console's key, writing for
    /// its signed-in user); null when such a header is not a usable name. Any other key's header is ignored: it acts as itself.
    /// </summary>
    public static string? Actor(HttpContext http, string trustedScope)
    {
        var name = http.User.Identity?.Name ?? "unknown";
        var header = http.Request.Headers[ApiHeaders.Actor].ToString();
        if (header.Length == 0 || !http.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, trustedScope)) return name;
        header = header.Trim();
        return header.Length is >= 1 and <= 100 && !header.Any(char.IsControl) ? header : null;
    }

    public static ValidationProblem BadActor() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [ApiHeaders.Actor] = [BadActorMessage] }, title: "Bad header");

    /// <summary>Reads a JSON body; a body that is not the expected JSON becomes a validation problem naming where it went wrong.</summary>
    public static async Task<(T? Value, ValidationProblem? Problem)> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted);
            return value is null ? (null, Problem("body", "a JSON object is required")) : (value, null);
        }
        catch (JsonException e)
        {
            // The rule converter names the node ("rule.all[1]: …"); other errors carry System.Text.Json's path ("$.name").
            var message = e.Message;
            var colon = message.IndexOf(": ", StringComparison.Ordinal);
            if (message.StartsWith("rule", StringComparison.Ordinal) && colon > 0) return (null, Problem(message[..colon], message[(colon + 2)..]));
            var path = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";
            return (null, Problem(path, $"not valid JSON for this request{(e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "")}"));
        }
        static ValidationProblem Problem(string key, string message) =>
            TypedResults.ValidationProblem(new Dictionary<string, string[]> { [key] = [message] }, title: "The request body is not valid");
    }

    /// <summary>503 for a question about every player that some index partitions could not answer yet.</summary>
    public static ProblemHttpResult IndexIncomplete(HttpContext http, IReadOnlyList<int> missing)
    {
        http.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: 503, title: "Player index loading",
            detail: $"{missing.Count:N0} partitions of the player index are not loaded on any live Intelligence instance yet (they load at start, " +
                "and when an instance joins or stops); try again in a few seconds.");
    }

    public static ProblemHttpResult UnknownSegment(string id) => TypedResults.Problem(statusCode: 404, title: "Unknown segment",
        detail: $"No segment with id '{id}' exists. GET /v1/segments lists them.");

    public static ProblemHttpResult UnknownPlayer(string playerId) => TypedResults.Problem(statusCode: 404, title: "Unknown player",
        detail: $"No profile is held for player '{playerId}'. Profiles appear when Ingestion receives the player's first event.");
}
