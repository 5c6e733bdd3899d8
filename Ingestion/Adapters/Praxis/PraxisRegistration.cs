namespace Ingestion.Adapters.Praxis;

public static class PraxisRegistration
{
    /// <summary>Praxis cashier notifications (section <c>Praxis</c>); routes mapped only when <c>Praxis:Enabled</c>.</summary>
    public static IHostApplicationBuilder AddPraxis(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<PraxisAdapter, PraxisOptions, PraxisOptionsValidator>(PraxisOptions.Section);
}
