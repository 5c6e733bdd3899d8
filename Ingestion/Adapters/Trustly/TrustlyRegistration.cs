namespace Ingestion.Adapters.Trustly;

public static class TrustlyRegistration
{
    /// <summary>Trustly notifications (section <c>Trustly</c>).</summary>
    public static IHostApplicationBuilder AddTrustly(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<TrustlyAdapter, TrustlyOptions, TrustlyOptionsValidator>(TrustlyOptions.Section);
}
