using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.Adapters.Hub88;
using Microsoft.Extensions.Options;

namespace Ingestion.UnitTests.Hub88;

public class Hub88SignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(Hub88MapperTests.Bet);

    internal static string Sign(RSA key, byte[] body) =>
        Convert.ToBase64String(key.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private static Hub88Signature Verifier(RSA key) =>
        new(Options.Create(new Hub88Options { Enabled = true, PublicKeyPem = key.ExportSubjectPublicKeyInfoPem() }));

    [Fact]
    public void SignatureOfTheBodyByHub88sKey_IsValid()
    {
        using var hub88 = RSA.Create(2048);

        Assert.True(Verifier(hub88).IsValid(Body, Sign(hub88, Body)));
    }

    [Fact]
    public void TamperedBody_IsRefused()
    {
        using var hub88 = RSA.Create(2048);
        var signature = Sign(hub88, Body);
        var tampered = Encoding.UTF8.GetBytes(Hub88MapperTests.Bet.Replace("356000", "356001", StringComparison.Ordinal));

        Assert.False(Verifier(hub88).IsValid(tampered, signature));
    }

    [Fact]
    public void SignatureByAnotherKey_IsRefused()
    {
        using var hub88 = RSA.Create(2048);
        using var impostor = RSA.Create(2048);

        Assert.False(Verifier(hub88).IsValid(Body, Sign(impostor, Body)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")]
    public void MissingOrMalformedHeader_IsRefused(string? header)
    {
        using var hub88 = RSA.Create(2048);

        Assert.False(Verifier(hub88).IsValid(Body, header));
    }

    [Fact]
    public void Hub88sPublishedExample_Verifies_WithItsDemoPublicKey()
    {
        // From coingaming/Hub88-Examples (priv/public.pub and signatures.csv): Hub88's demo key pair and signatures.
        const string demoPublicKey = """
            -----BEGIN PUBLIC KEY-----
            MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx3IRpSri/9SjA7f9me35
            v6LtJzn8drb1vg/UeGaPPFR16KsUOPqbGJ2r1pRPJMedqqbO7Agt/HavWDcQhNZl
            c9VrVQcWK/w2HD9PflQYv0oQMiPK5Mut/eIdFOpwwwaRAU4s6WOkJdSmP9F4cfr/
            amTZZoY59/t3SZWYjgZ9/LDI2X8S3uLW/JPiH+6dm2bU8ykhxoWwLE/piJxynS73
            EzM0tgjHyTUMkarhK9qRVZk581/kzmtJLLBZQl9XrQQcIfQ+zFZj7ijddOptxpxq
            Cmq8gQNohB56p34yjVH3uAJAaFvIVg5mEkprrvNVDJwGonHSaaq7AICmzrF6h/r5
            dwIDAQAB
            -----END PUBLIC KEY-----
            """;
        const string signature = "LMYX772LMBO+r83MakogTLoYnUmkR5TTSCMbzbzWPQBgqakoUwjsQnGAbIvA2ZEZXKgbygEW32crr/OzkJbXJp/XSeXPg93IvlOOiaItcPZAIx2MvBh7tY2vtcNMfodlrEvvG5ySDJQWO4LD/Gv7v6dpJJEsVy7AFdT8Azix2MUGcsljIJFWclYsHjJ96OCm5z4RZeA4tp49QCMKb3AL0TZojxxPL/9vSO//o4IcGQCQ02Sw7/p1c8EogCKI9AcMA2fmcog5fy853wMoZJem+qzLtQfBNKLmmKvFE02V7AkRdPn4q7ilCFzkpmN3T5Rhmazv5JHUIvjokR9c0p/4UQ==";
        var verifier = new Hub88Signature(Options.Create(new Hub88Options { Enabled = true, PublicKeyPem = demoPublicKey }));

        Assert.True(verifier.IsValid("""{"test":"test"}"""u8, signature));
        Assert.False(verifier.IsValid("""{"test":"test2"}"""u8, signature));
    }

    [Fact]
    public void PublicKeyFromAFile_IsUsedLikeAnInlineOne()
    {
        using var hub88 = RSA.Create(2048);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, hub88.ExportSubjectPublicKeyInfoPem());
            var verifier = new Hub88Signature(Options.Create(new Hub88Options { Enabled = true, PublicKeyPath = path }));

            Assert.True(verifier.IsValid(Body, Sign(hub88, Body)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(null, null, "Hub88:PublicKeyPem (or Hub88:PublicKeyPath) is required when Hub88:Enabled is true")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----", null, "Hub88:PublicKeyPem does not hold an RSA public key in PEM")]
    [InlineData("pem", "/some/path", "Hub88: set either PublicKeyPem or PublicKeyPath, not both")]
    public void EnabledWithoutAUsableKey_FailsAtStart_NamingTheSetting(string? pem, string? path, string expected)
    {
        var result = new Hub88OptionsValidator().Validate(null, new Hub88Options { Enabled = true, PublicKeyPem = pem, PublicKeyPath = path });

        Assert.True(result.Failed);
        Assert.StartsWith(expected, result.FailureMessage);
    }

    [Fact]
    public void Disabled_NeedsNoKey() =>
        Assert.True(new Hub88OptionsValidator().Validate(null, new Hub88Options()).Succeeded);

    [Theory]
    [InlineData("""{"amount":"356000"}""", Hub88Status.WrongTypes, "field amount: must be an integer of 1/100,000 currency units, e.g. 356000 for 3.56")]
    [InlineData("""{"amount":3.56}""", Hub88Status.WrongTypes, "field amount: must be an integer of 1/100,000 currency units, e.g. 356000 for 3.56")]
    [InlineData("""{"round_closed":"yes"}""", Hub88Status.WrongTypes, "field round_closed: must be true or false")]
    [InlineData("""{"user":12345}""", Hub88Status.WrongTypes, "field user: must be a string")]
    [InlineData("""{"user":"john12345",""", Hub88Status.WrongSyntax, "the body is not a JSON object of Hub88's wallet call")]
    [InlineData("""[1,2]""", Hub88Status.WrongSyntax, "the body is not a JSON object of Hub88's wallet call")]
    public void UnreadableBody_IsAnsweredWithHub88sStatus_NamingTheField(string json, string status, string reason)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, Hub88JsonContext.Default.Hub88Transaction));

        Assert.Equal((status, reason), Hub88Adapter.DescribeJsonError(e));
    }
}
