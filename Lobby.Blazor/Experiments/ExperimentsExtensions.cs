namespace Lobby.Experiments;

public static class ExperimentsExtensions
{
    /// <summary>The lobby experiment's groups (from Intelligence) and the impressions queue that reports to Ingestion (<c>Lobby:Impressions</c>).</summary>
    public static IHostApplicationBuilder AddLobbyExperiments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImpressionOptions>().BindConfiguration(ImpressionOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.FlushAfter > TimeSpan.Zero, "Lobby:Impressions:FlushAfter must be positive")
            .Validate(o => o.Source.StartsWith('/'), "Lobby:Impressions:Source must start with '/' (a CloudEvents source path)")
            .ValidateOnStart();
        builder.Services.AddSingleton<ILobbyExperiment, IntelligenceLobbyExperiment>();
        builder.Services.AddSingleton<ImpressionSender>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ImpressionSender>());
        builder.Services.AddTransient<PageImpressions>();
        return builder;
    }
}
