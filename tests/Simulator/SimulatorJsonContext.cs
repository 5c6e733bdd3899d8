using System.Text.Json;
using System.Text.Json.Serialization;
using Simulator.History;

namespace Simulator;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HistorySummary))]
[JsonSerializable(typeof(PlayerTruth))]
public sealed partial class SimulatorJsonContext : JsonSerializerContext;
