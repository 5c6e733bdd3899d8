using System.Text;
using Intelligence.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intelligence.Tests.Webhooks;

public sealed class WebhookUnitTests
{
    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_raw_body_and_verifies_only_the_same_body_and_secret()
    {
        // RFC 4231, test case 2.
        var body = Encoding.UTF8.GetBytes("what do ya want for nothing?");
        var signature = WebhookSignature.Sign(body, "Jefe");

        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
        Assert.True(WebhookSignature.Verify(body, "Jefe", signature));
        Assert.False(WebhookSignature.Verify(Encoding.UTF8.GetBytes("what do ya want for nothing!"), "Jefe", signature));
        Assert.False(WebhookSignature.Verify(body, "Jeff", signature));
        Assert.False(WebhookSignature.Verify(body, "Jefe", null));
    }

    [Fact]
    public void The_timestamped_signature_verifies_only_the_same_body_secret_and_time_within_the_window()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":\"evt_1\"}");
        var at = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var header = WebhookSignature.SignTimestamped(body, "a-long-enough-crm-secret", at);
        var window = WebhookSignature.ReplayWindow;

        Assert.Equal($"t={at.ToUnixTimeSeconds()},sha256=", header[..(header.IndexOf('=', 2) + 1)]);
        Assert.True(WebhookSignature.VerifyTimestamped(body, "a-long-enough-crm-secret", header, at.AddMinutes(4), window));
        Assert.True(WebhookSignature.VerifyTimestamped(body, "a-long-enough-crm-secret", header, at.AddMinutes(-4), window));
        // A recording replayed past the window, or its time edited to look fresh, is refused.
        Assert.False(WebhookSignature.VerifyTimestamped(body, "a-long-enough-crm-secret", header, at.AddMinutes(5).AddSeconds(1), window));
        var edited = $"t={at.AddMinutes(10).ToUnixTimeSeconds()}" + header[header.IndexOf(',', StringComparison.Ordinal)..];
        Assert.False(WebhookSignature.VerifyTimestamped(body, "a-long-enough-crm-secret", edited, at.AddMinutes(10), window));
        Assert.False(WebhookSignature.VerifyTimestamped(Encoding.UTF8.GetBytes("{\"id\":\"evt_2\"}"), "a-long-enough-crm-secret", header, at, window));
        Assert.False(WebhookSignature.VerifyTimestamped(body, "another-secret-of-length", header, at, window));
        foreach (var broken in new[] { null, "", "t=,sha256=", "sha256=00", "t=99999999999999999999,sha256=00", "t=-5,sha256=00" })
        {
            Assert.False(WebhookSignature.VerifyTimestamped(body, "a-long-enough-crm-secret", broken, at, window));
        }
    }

    [Fact]
    public void Secrets_are_sealed_under_the_key_open_only_under_it_and_plain_ones_from_before_still_open()
    {
        var box = new WebhookSecrets(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var sealedSecret = box.Seal("a-long-enough-crm-secret");

        Assert.StartsWith("enc:v1:", sealedSecret, StringComparison.Ordinal);
        Assert.DoesNotContain("crm-secret", sealedSecret, StringComparison.Ordinal);
        Assert.NotEqual(sealedSecret, box.Seal("a-long-enough-crm-secret"));
        Assert.Equal("a-long-enough-crm-secret", box.Open(sealedSecret));
        Assert.Equal("stored-before-encryption", box.Open("stored-before-encryption"));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new WebhookSecrets(new byte[32]).Open(sealedSecret));
        var tampered = sealedSecret[..^4] + (sealedSecret[^4] == 'A' ? "B" : "A") + sealedSecret[^3..];
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => box.Open(tampered));
    }

    [Theory]
    [InlineData(null, "is required in Production")]
    [InlineData("not base64!", "is not base64")]
    [InlineData("AAAA", "must decode to 32 bytes (it decodes to 3)")]
    public void Production_refuses_to_start_without_a_usable_secrets_key(string? key, string problem)
    {
        var e = Assert.Throws<OptionsValidationException>(() => WebhookSecrets.FromConfiguration(key, production: true));
        Assert.Contains($"{WebhookSecrets.Setting} {problem}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Back_off_doubles_from_the_initial_delay_with_its_upper_half_random_and_never_exceeds_the_maximum()
    {
        var o = new WebhookOptions { InitialDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromMinutes(10) };

        Assert.Equal(TimeSpan.FromSeconds(1), WebhookDeliveryWorker.Backoff(1, o, 0));
        Assert.Equal(TimeSpan.FromSeconds(1.5), WebhookDeliveryWorker.Backoff(1, o, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(4), WebhookDeliveryWorker.Backoff(2, o, 1));
        Assert.Equal(TimeSpan.FromSeconds(64), WebhookDeliveryWorker.Backoff(7, o, 0));
        Assert.Equal(TimeSpan.FromMinutes(10), WebhookDeliveryWorker.Backoff(10, o, 1));
        Assert.Equal(TimeSpan.FromMinutes(5), WebhookDeliveryWorker.Backoff(500, o, 0));
        for (var attempt = 1; attempt < 40; attempt++)
        {
            Assert.True(WebhookDeliveryWorker.Backoff(attempt + 1, o, 0) >= WebhookDeliveryWorker.Backoff(attempt, o, 0));
        }
    }

    [Theory]
    [InlineData("Webhooks:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("Webhooks:MaxDelay", "00:00:01", "Webhooks:MaxDelay must be at least Webhooks:InitialDelay")]
    [InlineData("Webhooks:Lease", "00:00:05", "Webhooks:Lease must be at least twice the longest batch")]
    public void Bad_options_fail_at_start_naming_the_setting(string key, string value, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddWebhooks();
        using var host = builder.Build();

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<WebhookOptions>>().Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid_and_are_those_of_the_contract()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddWebhooks();
        using var host = builder.Build();

        var o = host.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        Assert.Equal((8, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10)), (o.MaxAttempts, o.InitialDelay, o.MaxDelay));
    }
}
