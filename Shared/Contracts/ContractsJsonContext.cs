using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shared.Contracts;

/// <summary>Source-generated JSON for every contract, camelCase as on the wire.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CloudEvent))]
[JsonSerializable(typeof(List<CloudEvent>))]
[JsonSerializable(typeof(PlayerRegistered))]
[JsonSerializable(typeof(PlayerUpdated))]
[JsonSerializable(typeof(PlayerLoggedIn))]
[JsonSerializable(typeof(ConsentChanged))]
[JsonSerializable(typeof(RgChanged))]
[JsonSerializable(typeof(PaymentMade))]
[JsonSerializable(typeof(BetPlaced))]
[JsonSerializable(typeof(WinPaid))]
[JsonSerializable(typeof(TransactionRolledBack))]
[JsonSerializable(typeof(BonusGranted))]
[JsonSerializable(typeof(GameSessionPlayed))]
[JsonSerializable(typeof(IngestResult))]
[JsonSerializable(typeof(Game))]
[JsonSerializable(typeof(List<Game>))]
[JsonSerializable(typeof(PlayerProfile))]
[JsonSerializable(typeof(LobbyUpdated))]
[JsonSerializable(typeof(PlayerScores))]
[JsonSerializable(typeof(BatchScoresRequest))]
[JsonSerializable(typeof(BatchScoresResponse))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(RecommendationList))]
[JsonSerializable(typeof(SimilarGames))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
