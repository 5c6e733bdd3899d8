using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shared.ServiceDefaults;
using TestSupport;

namespace Ingestion.UnitTests;

/// <summary>
/// What every service shows to whoever reaches it (<see cref="EdgeOptions"/>): metrics only for the scraper's token outside
/// Development, the API's map hidden in Production, and a client's address taken from X-Forwarded-For only when the
/// operator named the proxy. A real Kestrel on 127.0.0.1, as deployed.
/// </summary>
public sealed class EdgeTests
{
    private static async Task<(WebApplication App, HttpClient Http)> StartAsync(string environment, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var port = FreePort.Get();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/whoami", (HttpContext http) => $"{http.Connection.RemoteIpAddress} {http.Request.Scheme}");
        app.MapGet("/openapi/v1.json", () => "{}");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<HttpStatusCode> MetricsAsync(HttpClient http, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return (await http.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode;
    }

    [Fact]
    public async Task InProduction_MetricsAnswerOnlyTheScrapeToken_AndTheApiMapIsHidden()
    {
        var (app, http) = await StartAsync("Production", ("Metrics:Token", "scrape-me"));
        await using var _ = app;
        using var __ = http;

        Assert.Equal(HttpStatusCode.Unauthorized, await MetricsAsync(http, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await MetricsAsync(http, "guess"));
        Assert.Equal(HttpStatusCode.OK, await MetricsAsync(http, "scrape-me"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/scalar", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task InProduction_WithoutAToken_MetricsSayHowToOpenThem()
    {
        var (app, http) = await StartAsync("Production");
        await using var _ = app;
        using var __ = http;
        var response = await http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("set Metrics:Token", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOperatorMayOpenThemOnPurpose()
    {
        var (app, http) = await StartAsync("Production", ("Metrics:Anonymous", "true"), ("OpenApi:Public", "true"));
        await using var _ = app;
        using var __ = http;
        Assert.Equal(HttpStatusCode.OK, await MetricsAsync(http, null));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ForwardedHeaders_AreBelievedOnlyFromANamedProxy()
    {
        var (open, openHttp) = await StartAsync("Production");
        await using (open)
        using (openHttp)
        {
            // Nobody named: a client cannot choose the address the throttles and logs see.
            Assert.Equal("127.0.0.1 http", await WhoAmIAsync(openHttp));
        }
        var (proxied, proxiedHttp) = await StartAsync("Production", ("ForwardedHeaders:KnownProxies", "127.0.0.1"));
        await using (proxied)
        using (proxiedHttp)
        {
            Assert.Equal("203.0.113.9 https", await WhoAmIAsync(proxiedHttp));
        }
    }

    [Fact]
    public void AProxyThatIsNotAnAddress_StopsTheServiceNamingTheSetting()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection([new("ForwardedHeaders:KnownNetworks", "10.0.0.0/33")]);
        builder.AddServiceDefaults();
        var e = Assert.ThrowsAny<Exception>(() => builder.Build().MapDefaultEndpoints());
        Assert.Contains("ForwardedHeaders:KnownNetworks: '10.0.0.0/33'", e.Message, StringComparison.Ordinal);
    }

    private static async Task<string> WhoAmIAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");
        return await (await http.SendAsync(request, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }
}
