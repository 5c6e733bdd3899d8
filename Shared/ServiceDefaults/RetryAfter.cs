using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Shared.ServiceDefaults;

/// <summary>
/// Every 503 and 429 a service answers carries <c>Retry-After</c>, so a well-behaved sender backs off instead of
/// hammering a service that is shedding load. Answers that chose their own delay keep it; the others (a health check
/// turned 503, a rate limiter, an exception handler) get <see cref="DefaultSeconds"/>.
/// </summary>
public static class RetryAfter
{
    public const int DefaultSeconds = 1;

    public static IApplicationBuilder UseRetryAfterOnRefusals(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            if (response.StatusCode is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests
                && !response.Headers.ContainsKey(HeaderNames.RetryAfter))
            {
                response.Headers.RetryAfter = DefaultSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
