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
    /// <summary>Registers every vendor adapter and connector. Adding a vendor: one adapter class, one line here.</summary>
    public static IHostApplicationBuilder AddAdapters(this IHostApplicationBuilder builder)
    {
        // vendor registrations (one line each)
        builder.AddFastTrack();
        builder.AddHub88();
        builder.AddPraxis();
        builder.AddTrustly();
        builder.AddSumsub();
        builder.AddOnfido();
        builder.AddCatalogFeed();
        builder.AddRabbitMqConsumer();
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
