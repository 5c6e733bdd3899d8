using System.CommandLine;
using Ingestion.Events;
using Shared.Store;

namespace Ingestion.Commands;

/// <summary>
/// Operator commands run from the same binary as the service: <c>dotnet Ingestion.dll backfill …</c> and
/// <c>dotnet Ingestion.dll deadletters list|replay …</c> and <c>dotnet Ingestion.dll hub88-reconcile …</c>. They use the service's own parser, fold and dead-letter
/// list, with the same configuration (appsettings.json beside the binary, environment variables, and
/// <c>ConnectionStrings:Redis</c>, <c>Store</c>, <c>Ingestion</c> sections), so they mean exactly what the API means.
/// </summary>
public static class IngestionCommands
{
    private static readonly string[] Names = ["backfill", "deadletters", "hub88-reconcile"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Names.Contains(args[0], StringComparer.Ordinal);

    public static Task<int> RunAsync(string[] args)
    {
        var redis = new Option<string?>("--redis")
        {
            Description = "Redis connection string (StackExchange.Redis syntax); default ConnectionStrings:Redis from configuration",
            Recursive = true,
        };
        var root = new RootCommand("Ingestion operator commands; without a command the service starts.")
        {
            BackfillCommand.Create(redis),
            DeadLettersCommand.Create(redis),
            Hub88ReconcileCommand.Create(),
        };
        root.Options.Add(redis);
        // Logs are read later and wider than a terminal: do not wrap tables at 80 columns there.
        if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;
        return root.Parse(args).InvokeAsync();
    }

    /// <summary>The services the commands share with the API, configured as the service is, without starting a web host.</summary>
    internal static IHost BuildHost(string? redis)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Production;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // appsettings.json lives beside the binary, wherever the command is run from.
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environment,
        });
        builder.Configuration.AddEnvironmentVariables("ASPNETCORE_");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Redis", redis)]);
        }
        // Commands print their own output; the library's logs would only interleave with it.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.AddRedisStore();
        builder.AddEvents();
        // Built, never started: no hosted service runs; options are validated as they are first used.
        return builder.Build();
    }
}
