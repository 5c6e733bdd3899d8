using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Store;

public static class EmbeddedStoreExtensions
{
    /// <summary>Hosts the embedded Garnet store in this process when <c>EmbeddedStore:Enabled</c> is true.</summary>
    public static IHostApplicationBuilder AddEmbeddedStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmbeddedStoreOptions>().BindConfiguration(EmbeddedStoreOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var enabled = builder.Configuration.GetValue<bool>($"{EmbeddedStoreOptions.Section}:Enabled");
        if (enabled)
        {
            // Registered first so it starts before (and stops after) everything that uses the store.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, EmbeddedStoreHost>());
        }
        return builder;
    }
}
