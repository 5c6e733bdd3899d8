namespace Ingestion.Adapters.Onfido;

public static class OnfidoRegistration
{
    /// <summary>Onfido webhooks (section <c>Onfido</c>).</summary>
    public static IHostApplicationBuilder AddOnfido(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<OnfidoAdapter, OnfidoOptions, OnfidoOptionsValidator>(OnfidoOptions.Section);
}
