using Ingestion.Adapters.Onfido;
using Ingestion.Adapters.Praxis;
using Ingestion.Adapters.Sumsub;
using Ingestion.Adapters.Trustly;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion.Adapters;

// In Ingestion.Adapters, beside AddAdapters, so its registration lines there need no using.
public static class CashierAndVerificationRegistration
{
    /// <summary>Praxis cashier notifications (section <c>Praxis</c>); routes mapped only when <c>Praxis:Enabled</c>.</summary>
    public static IHostApplicationBuilder AddPraxis(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<PraxisAdapter, PraxisOptions, PraxisOptionsValidator>(PraxisOptions.Section);

    /// <summary>Trustly notifications (section <c>Trustly</c>).</summary>
    public static IHostApplicationBuilder AddTrustly(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<TrustlyAdapter, TrustlyOptions, TrustlyOptionsValidator>(TrustlyOptions.Section);

    /// <summary>Sumsub applicant webhooks (section <c>Sumsub</c>).</summary>
    public static IHostApplicationBuilder AddSumsub(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<SumsubAdapter, SumsubOptions, SumsubOptionsValidator>(SumsubOptions.Section);

    /// <summary>Onfido webhooks (section <c>Onfido</c>).</summary>
    public static IHostApplicationBuilder AddOnfido(this IHostApplicationBuilder builder) =>
        builder.AddWebhookAdapter<OnfidoAdapter, OnfidoOptions, OnfidoOptionsValidator>(OnfidoOptions.Section);

    private static IHostApplicationBuilder AddWebhookAdapter<TAdapter, TOptions, TValidator>(this IHostApplicationBuilder builder, string section)
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
}
