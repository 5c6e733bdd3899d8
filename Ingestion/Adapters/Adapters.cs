using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion.Adapters;

/// <summary>
/// A vendor format we accept as it is: its endpoints translate the vendor's messages into canonical events
/// (<see cref="CanonicalEvent"/>) and hand them to <see cref="Events.EventIngestor.IngestFromFeedAsync"/>.
/// </summary>
public interface IVendorAdapter
{
    /// <summary>Short name, used for metrics, logs and dead letters (e.g. <c>fasttrack</c>).</summary>
    string Name { get; }

    /// <summary>Where its endpoints live (e.g. <c>/compat/fasttrack</c>).</summary>
    string RoutePrefix { get; }

    void MapRoutes(RouteGroupBuilder group);
}

public static class Adapters
{
    /// <summary>
    /// Registers a vendor's webhook adapter: its options from <paramref name="section"/>, checked at start-up, and the
    /// adapter, whose routes <see cref="MapAdapters"/> maps.
    /// </summary>
    public static IHostApplicationBuilder AddWebhookAdapter<TAdapter, TOptions, TValidator>(this IHostApplicationBuilder builder, string section)
        where TAdapter : class, IVendorAdapter
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        builder.Services.TryAddSingleton<VendorWebhooks>();
        builder.Services.AddSingleton<IVendorAdapter, TAdapter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAdapters(this IEndpointRouteBuilder app)
    {
        foreach (var adapter in app.ServiceProvider.GetServices<IVendorAdapter>())
        {
            adapter.MapRoutes(app.MapGroup(adapter.RoutePrefix).WithTags(adapter.Name));
        }
        return app;
    }
}
