using System.ComponentModel.DataAnnotations;

namespace Shared.Store;

/// <summary>Section <c>Store</c>. The connection string itself is <c>ConnectionStrings:Redis</c>.</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";
    public const string DefaultConnectionString = "127.0.0.1:6380";

    /// <summary>Prefix of every key and channel, so several deployments (or tests) can share one server.</summary>
    [RegularExpression(@"^[A-Za-z0-9:_\-.]*$", ErrorMessage = "Store:KeyPrefix may hold only letters, digits and : _ - .")]
    public string KeyPrefix { get; set; } = "";

    /// <summary>The operator's base currency: every amount in a profile is in it.</summary>
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "Store:BaseCurrency must be an ISO 4217 code such as EUR")]
    public string BaseCurrency { get; set; } = "EUR";
}
