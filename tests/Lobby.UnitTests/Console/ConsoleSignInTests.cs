using Lobby.Console;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Lobby.UnitTests.Console;

public sealed class ConsoleSignInTests
{
    private static ConsoleUserDirectory Users(params ConsoleUserEntry[] users) =>
        new(Options.Create(new ConsoleOptions { Users = [.. users], IntelligenceApiKey = "k" }));

    private static Task<RedirectHttpResult> SignInAsync(ConsoleUserDirectory users, string? name, string? password, string? returnUrl = "/console/placements",
        IConsoleSignInThrottle? throttle = null, string address = "10.0.0.1", ILogger<ConsoleUserDirectory>? logger = null)
    {
        var http = new DefaultHttpContext { RequestServices = SignInServices() };
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
        return ConsoleSignIn.SignInAsync(new ConsoleSignInForm { Name = name, Password = password, ReturnUrl = returnUrl }, users,
            throttle ?? Throttle(), http, logger ?? NullLogger<ConsoleUserDirectory>.Instance);
    }

    /// <summary>The formatted log lines.</summary>
    private sealed class LogLines : ILogger<ConsoleUserDirectory>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    [Theory]
    [InlineData("operator", "/console", "/console/operations")]
    [InlineData("safer-gambling", "/console", "/console/safer-gambling")]
    [InlineData("marketer", "/console", "/console")]
    [InlineData("operator", "/console/audit", "/console/audit")]
    public async Task ASignInWithoutAPage_StartsWhereTheRoleMayLook(string role, string returnUrl, string expected)
    {
        var users = Users(new ConsoleUserEntry { Name = "olga", Role = role, PasswordHash = ConsolePasswords.Hash("right", 1_000) });

        var result = await SignInAsync(users, "olga", "right", returnUrl);

        Assert.Equal(expected, result.Url);
    }

    [Fact]
    public async Task AFailedSignIn_LogsAConfiguredName_ButNeverWhatWasTypedForAnUnknownOne()
    {
        var users = Users(new ConsoleUserEntry { Name = "ann", Role = "marketer", PasswordHash = ConsolePasswords.Hash("right", 1_000) });
        var logs = new LogLines();

        // A password typed into the name field.
        await SignInAsync(users, "Tr0ub4dor&3", "Tr0ub4dor&3", logger: logs);
        await SignInAsync(users, "ann", "wrong", logger: logs);

        Assert.Equal(["Console sign-in refused for an unknown name from 10.0.0.1: unknown name or wrong password",
            "Console sign-in refused for ann from 10.0.0.1: unknown name or wrong password"], logs.Lines);
    }

    /// <summary>What a successful sign-in needs to set the console's cookie.</summary>
    private static ServiceProvider SignInServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication().AddCookie(ConsoleSignIn.Scheme);
        return services.BuildServiceProvider();
    }

    /// <summary>A throttle that has the name locked for <paramref name="lockedFor"/> (null: never), recording what it is told.</summary>
    private static IConsoleSignInThrottle Throttle(TimeSpan? lockedFor = null)
    {
        var throttle = Substitute.For<IConsoleSignInThrottle>();
        throttle.LockedForAsync(Arg.Any<string?>(), Arg.Any<string?>()).Returns(lockedFor);
        return throttle;
    }

    [Fact]
    public async Task ALockedName_IsRefusedWithoutCheckingThePassword_AndTheLoginSaysHowLongToWait()
    {
        var users = Users(new ConsoleUserEntry { Name = "ann", Role = ConsoleRoles.Admin, PasswordHash = ConsolePasswords.Hash("right", 1_000) });
        var throttle = Throttle(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(1));

        var result = await SignInAsync(users, " ANN", "right", throttle: throttle, address: "10.9.9.9");

        Assert.Equal("/console/login?returnUrl=%2Fconsole%2Fplacements&error=locked&wait=10", result.Url);
        await throttle.Received(1).LockedForAsync(" ANN", "10.9.9.9");
        await throttle.DidNotReceiveWithAnyArgs().FailedAsync(default, default);
        await throttle.DidNotReceiveWithAnyArgs().SucceededAsync(default);
    }

    [Fact]
    public async Task AFailure_IsCountedForTheNameAndTheAddress_AndASuccessClearsTheName()
    {
        var users = Users(new ConsoleUserEntry { Name = "ann", Role = ConsoleRoles.Admin, PasswordHash = ConsolePasswords.Hash("right", 1_000) });
        var throttle = Throttle();

        await SignInAsync(users, "ann", "wrong", throttle: throttle, address: "10.0.0.7");
        await SignInAsync(users, "ann", "right", throttle: throttle, address: "10.0.0.7");

        await throttle.Received(1).FailedAsync("ann", "10.0.0.7");
        await throttle.Received(1).SucceededAsync("ann");
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
