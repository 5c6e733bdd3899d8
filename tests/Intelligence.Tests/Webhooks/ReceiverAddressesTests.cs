using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Intelligence.Webhooks;
using Shared.Contracts;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

/// <summary>
/// A webhook reaches public addresses only (unless Webhooks:AllowPrivateAddresses): its URL is refused when it names a
/// local or private host, and the address actually dialled is checked again, so a name that resolves to one later
/// (DNS rebinding) gets nothing.
/// </summary>
public sealed class ReceiverAddressesTests(StoreServers servers)
{
    private static readonly string[] SegmentEntered = ["segment.entered"];

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.8.9.10", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("168.63.129.16", "cloud metadata")]
    [InlineData("100.64.0.1", "shared address space (carrier-grade NAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("224.0.0.1", "multicast or reserved")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "unique local (private)")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)")]
    [InlineData("172.32.0.1", null)]
    [InlineData("100.128.0.1", null)]
    [InlineData("93.184.215.14", null)]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c", null)]
    public void Addresses_AreJudgedByTheirRange(string address, string? why) => Assert.Equal(why, ReceiverAddresses.WhyRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:6379/", "url must reach a public address; 127.0.0.1 is loopback (Webhooks:AllowPrivateAddresses).")]
    [InlineData("http://localhost./hooks", "url must reach a public address; localhost. is loopback (Webhooks:AllowPrivateAddresses).")]
    [InlineData("http://admin.localhost/", "url must reach a public address; admin.localhost is loopback (Webhooks:AllowPrivateAddresses).")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data", "url must reach a public address; [::ffff:169.254.169.254] is link-local (cloud metadata) (Webhooks:AllowPrivateAddresses).")]
    [InlineData("http://10.0.0.5/x", "url must reach a public address; 10.0.0.5 is private (Webhooks:AllowPrivateAddresses).")]
    public async Task APrivateReceiver_IsA400NamingTheUrl(string url, string expected)
    {
        await using var app = new IntelligenceApp(await servers.ConnectionStringAsync(StoreKinds.Redis),
            extra: new Dictionary<string, string?> { ["Webhooks:AllowPrivateAddresses"] = "false" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var response = await admin.PostAsJsonAsync(new Uri("/v1/webhooks", UriKind.Relative),
            new { url, events = SegmentEntered, secret = "0123456789abcdef-crm" }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, problem.GetProperty("errors").GetProperty("url")[0].GetString());
    }

    [Fact]
    public void Https_IsRequiredWhereConfigured_AndAPublicHttpsReceiverIsValid()
    {
        var strict = new WebhookOptions { RequireHttps = true, AllowPrivateAddresses = false };
        Assert.Equal(["url must be https here (Webhooks:RequireHttps): deliveries carry players' data."],
            WebhooksApi.Validate(new CreateWebhookRequest("http://crm.example.com/hooks", ["segment.entered"], "0123456789abcdef"), strict)["url"]);
        Assert.Empty(WebhooksApi.Validate(new CreateWebhookRequest("https://crm.example.com/hooks", ["segment.entered"], "0123456789abcdef"), strict));
    }

    [Fact]
    public async Task ANameThatResolvesToLoopbackWhenDialled_IsRefused_AndNothingReachesTheListener()
    {
        // The URL check passed long ago (or DNS changed since): the handler judges the address it would dial.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var guarded = new HttpClient(ReceiverAddresses.Handler(allowPrivate: false));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            guarded.PostAsync(new Uri($"http://localhost:{port}/hooks"), new StringContent("{}"), TestContext.Current.CancellationToken));
        Assert.StartsWith("refused to deliver to localhost: it resolves only to addresses a webhook may not reach: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1 (loopback)", refused.Message, StringComparison.Ordinal);
        Assert.False(listener.Pending());

        // Allowed (Development, tests): the same address is dialled.
        using var open = new HttpClient(ReceiverAddresses.Handler(allowPrivate: true)) { Timeout = TimeSpan.FromMilliseconds(300) };
        await Assert.ThrowsAnyAsync<Exception>(() => open.PostAsync(new Uri($"http://127.0.0.1:{port}/hooks"), new StringContent("{}"), TestContext.Current.CancellationToken));
        Assert.True(listener.Pending());
    }
}
