using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.RabbitMq;

public static class RabbitMqRegistration
{
    /// <summary>The RabbitMQ consumer (section <c>RabbitMq</c>); it connects only when <c>RabbitMq:Enabled</c>.</summary>
    public static IHostApplicationBuilder AddRabbitMqConsumer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>();
        builder.Services.AddSingleton<RabbitMqConsumer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RabbitMqConsumer>());
        return builder;
    }
}
