using System.Text.Json;
using Shared.Contracts;

namespace Lobby.Console;

public static class ConsoleJson
{
    /// <summary>The contract's JSON, indented for people to read (rule JSON, version history).</summary>
    public static ContractsJsonContext Indented { get; } = new(new JsonSerializerOptions(ContractsJsonContext.Default.Options) { WriteIndented = true });
}
