using Lobby.Console;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Lobby.UnitTests.Console;

public sealed class ConsoleSignInTests
{
    private static ConsoleUserDirectory Users(params ConsoleUserEntry[] users) =>
        new(Options.Create(new ConsoleOptions { Users = [.. users], IntelligenceApiKey = "k" }));

    private static Task<RedirectHttpResult> SignInAsync(ConsoleUserDirectory users, string? name, string? password, string? returnUrl = "/console/placements",
        ConsoleSignInThrottle? throttle = null, string address = "10.0.0.1")
    {
        var http = new DefaultHttpContext { RequestServices = SignInServices() };
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
        return ConsoleSignIn.SignInAsync(new ConsoleSignInForm { Name = name, Password = password, ReturnUrl = returnUrl }, users,
            throttle ?? Throttle(new FakeTimeProvider()), http, NullLogger<ConsoleUserDirectory>.Instance);
    }

    /// <summary>What a successful sign-in needs to set the console's cookie.</summary>
    private static ServiceProvider SignInServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication().AddCookie(ConsoleSignIn.Scheme);
        return services.BuildServiceProvider();
    }

    private static ConsoleSignInThrottle Throttle(TimeProvider clock, int perUser = 5, int perAddress = 20) =>
        new(Options.Create(new ConsoleOptions { MaxFailuresPerUser = perUser, MaxFailuresPerAddress = perAddress, LockoutWindow = TimeSpan.FromMinutes(15) }), clock);

    [Fact]
    public async Task AfterFiveWrongPasswords_TheNameIsLockedForTheWindow_EvenWithTheRightOne_ThenMayTryAgain()
    {
        var users = Users(new ConsoleUserEntry { Name = "ann", Role = ConsoleRoles.Admin, PasswordHash = ConsolePasswords.Hash("right", 1_000) });
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var throttle = Throttle(clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.EndsWith("error=failed", (await SignInAsync(users, "ann", "guess" + i, throttle: throttle, address: $"10.0.0.{i + 1}")).Url, StringComparison.Ordinal);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Locked by name, whatever the address and the case: the password is not even checked.
        Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fplacements&error=locked&wait=10", (await SignInAsync(users, " ANN", "right", throttle: throttle, address: "10.9.9.9")).Url);
        // Another user is not affected.
        Assert.Null(throttle.LockedFor("bob", "10.9.9.9"));

        // The first failure leaves the window 15 minutes after it was made: then one more attempt is allowed.
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal("/console/placements", (await SignInAsync(users, "ann", "right", throttle: throttle)).Url);
        // A success clears the name's count.
        Assert.Null(throttle.LockedFor("ann", "10.0.0.99"));
    }

    [Fact]
    public void OneAddressTryingManyNames_IsLockedByAddress()
    {
        var clock = new FakeTimeProvider();
        var throttle = Throttle(clock, perUser: 5, perAddress: 3);
        throttle.Failed("a", "192.0.2.7");
        throttle.Failed("b", "192.0.2.7");
        Assert.Null(throttle.LockedFor("c", "192.0.2.7"));
        throttle.Failed("c", "192.0.2.7");

        Assert.Equal(TimeSpan.FromMinutes(15), throttle.LockedFor("d", "192.0.2.7"));
        Assert.Null(throttle.LockedFor("d", "192.0.2.8"));
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(throttle.LockedFor("d", "192.0.2.7"));
    }

    [Fact]
    public void UnderAWideAttack_TheThrottleStaysBounded()
    {
        var clock = new FakeTimeProvider();
        var throttle = Throttle(clock);
        for (var i = 0; i < ConsoleSignInThrottle.MaxTracked + 500; i++)
        {
            throttle.Failed($"user{i}", $"198.51.{i / 256 % 256}.{i % 256}");
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.InRange(throttle.Tracked, 1, ConsoleSignInThrottle.MaxTracked);
        // The newest are the ones kept.
        for (var i = 0; i < 4; i++) throttle.Failed("user" + (ConsoleSignInThrottle.MaxTracked + 499), "203.0.113.1");
        Assert.NotNull(throttle.LockedFor("user" + (ConsoleSignInThrottle.MaxTracked + 499), "203.0.113.2"));
    }

    [Fact]
    public async Task WithoutUsers_EverySignInIsRefused_AndTheLoginSaysWhy()
    {
        var result = await SignInAsync(Users(), "admin", "admin-dev");

        Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fplacements&error=no-users", result.Url);
    }

    [Fact]
    public async Task WrongPassword_GoesBackToTheLogin_KeepingOnlyASafeReturnUrl()
    {
        var users = Users(new ConsoleUserEntry { Name = "ann", Role = ConsoleRoles.Admin, PasswordHash = ConsolePasswords.Hash("right", 1_000) });

        Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fplacements&error=failed", (await SignInAsync(users, "ann", "wrong")).Url);
        Assert.Equal("/console/login?returnUrl=%2Fconsole&error=failed", (await SignInAsync(users, "ann", "wrong", "https://evil.example/")).Url);
    }

    private static ConsoleOptions OptionsIn(string environment, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddConsoleSignIn();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
    }

    [Fact]
    public void Development_HasTheDocumentedUsers_WhenNoneAreConfigured()
    {
        var options = OptionsIn(Environments.Development);

        var users = new ConsoleUserDirectory(Options.Create(options));
        Assert.Equal(new ConsoleUser("marketer", ConsoleRoles.Marketer), users.Verify("marketer", "marketer-dev"));
        Assert.Equal(new ConsoleUser("admin", ConsoleRoles.Admin), users.Verify("admin", "admin-dev"));
        Assert.Equal("dev-key", options.IntelligenceApiKey);
    }

    [Fact]
    public void Production_HasNoBuiltInUsers_AndConfiguredOnesReplaceThemInDevelopment()
    {
        Assert.Empty(OptionsIn(Environments.Production).Users);
        var hash = ConsolePasswords.Hash("pw", 1_000);
        var configured = OptionsIn(Environments.Development, ("Console:Users:0:Name", "ann"), ("Console:Users:0:Role", "admin"), ("Console:Users:0:PasswordHash", hash));
        Assert.Equal(["ann"], configured.Users.Select(u => u.Name));
    }

    [Fact]
    public void BadUser_FailsStartUp()
    {
        var e = Assert.Throws<OptionsValidationException>(() => OptionsIn(Environments.Production,
            ("Console:Users:0:Name", "ann"), ("Console:Users:0:Role", "owner"), ("Console:Users:0:PasswordHash", "secret")));

        Assert.Contains("not a console role", e.Message, StringComparison.Ordinal);
        Assert.Contains("PasswordHash", e.Message, StringComparison.Ordinal);
    }
}
