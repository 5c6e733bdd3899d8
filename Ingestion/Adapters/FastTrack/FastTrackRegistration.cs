using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ingestion.Adapters.FastTrack;

public static class FastTrackExtensions
{
    /// <summary>The Fast Track-compatible feed and the PAM connector its slim user messages rely on.</summary>
    public static IHostApplicationBuilder AddFastTrack(this IHostApplicationBuilder builder)
    {
        builder.AddPamConnector();
        builder.Services.AddSingleton<FastTrackAdapter>();
        builder.Services.AddSingleton<IVendorAdapter>(sp => sp.GetRequiredService<FastTrackAdapter>());
        // The OpenAPI document shows Fast Track's snake_case names, as the messages are read (the context's naming applies
        // only to its own options). Only the document uses this resolver; messages are read with the context itself.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0,
            FastTrackJsonContext.Default.WithAddedModifier(FastTrackSchema)));
        return builder;
    }

    private static void FastTrackSchema(JsonTypeInfo type)
    {
        if (type.Type.Namespace != typeof(FastTrackJsonContext).Namespace) return;
        foreach (var property in type.Properties) property.Name = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
    }
}
