using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Shared.ServiceDefaults;

/// <summary>
/// A body a minimal API could not bind (wrong type, a number too large, invalid JSON) is answered with a problem that
/// names the field (<c>$.playerIds[0]</c>) instead of the framework's bare 400. Needs
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c>, which lets the binding failure reach the exception handler.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        var detail = bad.InnerException switch
        {
            JsonException { Path: { Length: > 1 } path } json => $"field {path.TrimStart('$', '.')}: {FirstSentence(json.Message)}",
            JsonException json => $"the body is not valid JSON: {FirstSentence(json.Message)}",
            { } inner => $"{bad.Message} {inner.Message}",
            _ => bad.Message,
        };
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = "The request could not be read", Detail = detail },
        });
    }

    /// <summary>System.Text.Json's message up to its position details (which repeat the path and add line numbers).</summary>
    private static string FirstSentence(string message) => message.Split(" Path:", 2)[0];
}
