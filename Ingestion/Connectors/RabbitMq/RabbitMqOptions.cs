using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.RabbitMq;

/// <summary>
/// Section <c>RabbitMq</c>: consume canonical or Fast Track-shaped messages from an operator's queue. Off by default.
/// </summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public bool Enabled { get; set; }

    /// <summary>The broker, as an AMQP URI with credentials and virtual host: <c>amqp://user:password@host:5672/vhost</c>.</summary>
    public string? Uri { get; set; }

    /// <summary>The queue to consume; it must exist (the operator owns its topology).</summary>
    public string? Queue { get; set; }

    /// <summary>Unacknowledged messages the broker may hand each consumer at once (basic.qos prefetch count).</summary>
    public int Prefetch { get; set; } = 100;

    /// <summary>Consumers on the queue, each on its own channel, each applying its messages one at a time.</summary>
    public int Consumers { get; set; } = 1;

    /// <summary>How long to wait before handing back a message the store did not confirm, and between connection attempts.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions o)
    {
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var errors = new List<string>();
        if (!System.Uri.TryCreate(o.Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            errors.Add("RabbitMq:Uri must be an amqp:// or amqps:// URI of the broker when RabbitMq:Enabled is true");
        }
        if (string.IsNullOrWhiteSpace(o.Queue)) errors.Add("RabbitMq:Queue must name the queue to consume when RabbitMq:Enabled is true");
        if (o.Prefetch is < 1 or > ushort.MaxValue) errors.Add("RabbitMq:Prefetch must be from 1 to 65535");
        if (o.Consumers is < 1 or > 64) errors.Add("RabbitMq:Consumers must be from 1 to 64");
        if (o.RetryDelay < TimeSpan.Zero || o.RetryDelay > TimeSpan.FromMinutes(5)) errors.Add("RabbitMq:RetryDelay must be from 00:00:00 to 00:05:00");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
