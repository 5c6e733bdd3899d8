using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NSubstitute;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.UnitTests;

public class ApiKeyRegistryTests
{
    private static IHostEnvironment Env(string name)
    {
        var env = Substitute.For<IHostEnvironment>();
        env.EnvironmentName.Returns(name);
        return env;
    }

    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void PlainKey_IsFoundByItsValue_WithItsScopes()
    {
        var registry = ApiKeyRegistry.FromConfiguration(
            Config(("ApiKeys:0:Name", "crm"), ("ApiKeys:0:Key", "s3cret"), ("ApiKeys:0:Scopes", "scores:read segments:write")), Env("Production"));

        var p = registry.Find("s3cret");
        Assert.NotNull(p);
        Assert.Equal("crm", p.Name);
        Assert.Contains("segments:write", p.Scopes);
        Assert.Null(registry.Find("S3CRET"));
    }

    [Fact]
    public void HashedKey_IsFoundByThePlainValue()
    {
        var hash = ApiKeyRegistry.Sha256Hex("wallet-key");
        var registry = ApiKeyRegistry.FromConfiguration(
            Config(("ApiKeys:0:Name", "wallet"), ("ApiKeys:0:KeySha256", hash), ("ApiKeys:0:Scopes", "events:write")), Env("Production"));
        Assert.Equal("wallet", registry.Find("wallet-key")?.Name);
    }

    [Fact]
    public void NoKeysOutsideDevelopment_MeansNoKeyWorks()
    {
        var registry = ApiKeyRegistry.FromConfiguration(Config(), Env("Production"));
        Assert.Equal(0, registry.Count);
        Assert.Null(registry.Find(ApiKeyRegistry.DevelopmentKey));
    }

    [Fact]
    public void NoKeysInDevelopment_AcceptsTheDevelopmentKey() =>
        Assert.NotNull(ApiKeyRegistry.FromConfiguration(Config(), Env("Development")).Find(ApiKeyRegistry.DevelopmentKey));

    [Fact]
    public void KeyWithoutSecret_FailsAtStartWithTheEntryNamed()
    {
        var e = Assert.Throws<OptionsValidationException>(() =>
            ApiKeyRegistry.FromConfiguration(Config(("ApiKeys:0:Name", "crm"), ("ApiKeys:0:Scopes", "scores:read")), Env("Production")));
        Assert.Contains("ApiKeys:0", e.Message);
        Assert.Contains("'crm'", e.Message);
    }
}
