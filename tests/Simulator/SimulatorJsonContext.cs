using System.Text.Json;
using System.Text.Json.Serialization;
using Simulator.Demo;
using Simulator.History;

namespace Simulator;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HistorySummary))]
[JsonSerializable(typeof(PlayerTruth))]
[JsonSerializable(typeof(Simulator.Faults.PlantedFaults))]
[JsonSerializable(typeof(ExampleCrmView))]
[JsonSerializable(typeof(CreateWebhook))]
[JsonSerializable(typeof(WebhookList))]
public sealed partial class SimulatorJsonContext : JsonSerializerContext;
