using Lobby.Upstream;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;

namespace Lobby.Play;

public static class PlayExtensions
{
    /// <summary>The game view's rounds: options, the RNG, and the Ingestion client that reports them.</summary>
    public static IHostApplicationBuilder AddLobbyPlay(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<PlayOptions>()
            .BindConfiguration(PlayOptions.Section)
            .PostConfigure(o =>
            {
                if (development && string.IsNullOrWhiteSpace(o.IngestionApiKey)) o.IngestionApiKey = ApiKeyRegistry.DevelopmentKey;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient(ServiceCalls.Ingestion, (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<PlayOptions>>().Value;
                http.BaseAddress = new Uri(options.IngestionUrl.TrimEnd('/') + "/");
                if (options.CanPlay) http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, options.IngestionApiKey);
            })
            // Retrying a POST is safe here: Ingestion counts an event id (and a wallet transactionId) once.
            .AddStandardResilienceHandler();
        builder.Services.AddSingleton<IIngestionEvents, IngestionEventsClient>();
        builder.Services.AddSingleton<IRoundRandom, CryptoRoundRandom>();
        builder.Services.AddSingleton<IGameRounds, GameRounds>();
        return builder;
    }
}
