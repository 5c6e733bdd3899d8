using System.ComponentModel.DataAnnotations;

namespace Ingestion.Store;

/// <summary>
/// Section <c>EmbeddedStore</c>. When enabled, this process hosts an in-process Garnet server
/// (Redis protocol) so a machine with only the .NET SDK runs the whole product.
/// </summary>
public sealed class EmbeddedStoreOptions
{
    public const string Section = "EmbeddedStore";

    public bool Enabled { get; set; }

    [Required] public string Bind { get; set; } = "127.0.0.1";

    [Range(1, 65535)] public int Port { get; set; } = 6380;

    /// <summary>Where checkpoints and the append-only file live; empty keeps everything in memory.</summary>
    public string? DataDirectory { get; set; } = ".data/garnet";

    /// <summary>Main-log memory, Garnet syntax (e.g. <c>512m</c>, <c>2g</c>).</summary>
    [Required] public string Memory { get; set; } = "1g";
}
