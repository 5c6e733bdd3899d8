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

    [Fact]
    public void AnEventTypesPattern_ThatIsNotAPrefixEndingInDotStar_FailsAtStartNamingTheEntry()
    {
        var e = Assert.Throws<OptionsValidationException>(() => ApiKeyRegistry.FromConfiguration(
            Config(("ApiKeys:0:Name", "lobby"), ("ApiKeys:0:Key", "k"), ("ApiKeys:0:Scopes", "events:write"), ("ApiKeys:0:EventTypes", "lobby*")), Env("Production")));
        Assert.Contains("ApiKeys:0:EventTypes: 'lobby*'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABoundKey_MaySendOnlyItsSourcesAndTypes_AndRestrictionsOnlyWithTheRgScope()
    {
        var registry = ApiKeyRegistry.FromConfiguration(Config(
            ("ApiKeys:0:Name", "lobby"), ("ApiKeys:0:Key", "k0"), ("ApiKeys:0:Scopes", "events:write"), ("ApiKeys:0:Sources", "lobby-web"), ("ApiKeys:0:EventTypes", "lobby.* wallet.bet"),
            ("ApiKeys:1:Name", "pam"), ("ApiKeys:1:Key", "k1"), ("ApiKeys:1:Scopes", "events:write events:rg")), Env("Production"));
        var lobby = registry.Find("k0")!;
        var pam = registry.Find("k1")!;

        Assert.Null(lobby.EventRefusal("lobby-web", "lobby.impression"));
        Assert.Null(lobby.EventRefusal("lobby-web", "wallet.bet"));
        Assert.StartsWith("field type:", lobby.EventRefusal("lobby-web", "wallet.win"), StringComparison.Ordinal);
        Assert.StartsWith("field type:", lobby.EventRefusal("lobby-web", "lobbyx.impression"), StringComparison.Ordinal);
        Assert.StartsWith("field source:", lobby.EventRefusal("pam", "lobby.impression"), StringComparison.Ordinal);
        Assert.StartsWith("field source:", lobby.EventRefusal(null, "lobby.impression"), StringComparison.Ordinal);
        Assert.Null(pam.EventRefusal("anything", "player.rg"));
        Assert.Null(pam.EventRefusal("anything", "wallet.bet"));
    }

    [Fact]
    public void TheRgScope_CoversEveryEventThatRestrictsOrFreesAPlayer() =>
        // ServiceDefaults spells the types out (it does not reference the contracts): held to them here.
        Assert.Equal(
            new[] { Shared.Contracts.EventTypes.PlayerAml, Shared.Contracts.EventTypes.PlayerConsent, Shared.Contracts.EventTypes.PlayerGeo,
                Shared.Contracts.EventTypes.PlayerKyc, Shared.Contracts.EventTypes.PlayerRg },
            Scopes.ComplianceEventTypes.Order(StringComparer.Ordinal));
}
