namespace Ingestion.Adapters.Sumsub;

public static class SumsubRegistration
{
    /// <summary>Sumsub applicant webhooks (section <c>Sumsub</c>).</summary>
    public static IHostApplicationBuilder AddSumsub(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<SumsubAdapter, SumsubOptions, SumsubOptionsValidator>(SumsubOptions.Section);
}
