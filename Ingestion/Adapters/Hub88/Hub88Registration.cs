using Microsoft.Extensions.Options;

namespace Ingestion.Adapters.Hub88;

public static class Hub88Registration
{
    /// <summary>The Hub88 seamless-wallet tap (section <c>Hub88</c>); its routes are mapped only when <c>Hub88:Enabled</c>.</summary>
    public static IHostApplicationBuilder AddHub88(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<Hub88Options>().BindConfiguration(Hub88Options.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<Hub88Options>, Hub88OptionsValidator>();
        builder.Services.AddSingleton<Hub88Signature>();
        builder.Services.AddSingleton<IVendorAdapter, Hub88Adapter>();
        return builder;
    }
}
