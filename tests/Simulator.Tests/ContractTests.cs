using System.Text;
using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Ingestion.Adapters.Hub88;
using Ingestion.Catalog;
using Ingestion.Connectors.Catalog;
using Ingestion.Events;
using Ingestion.Profiles;
using Shared.Contracts;
using Simulator.Live;
using Simulator.Population;

namespace Simulator.Tests;

public sealed class ContractTests
{
    private static readonly EventParser Parser = new(new FoldOptions(), "EUR", TimeProvider.System);

    [Fact]
    public void EveryHistoryEvent_ParsesWithIngestionsParser()
    {
        var (dir, summary) = HistoryFiles.Generate(11, 120, 30);
        var lines = 0;
        var types = new HashSet<string>();
        foreach (var line in HistoryFiles.Lines(dir))
        {
            using var doc = JsonDocument.Parse(line);
            var command = Parser.Parse(doc.RootElement);
            types.Add(command.EventType);
            lines++;
        }
        Assert.Equal(summary.EventLines, lines);
        Assert.Superset(new HashSet<string> { EventTypes.PlayerRegistered, EventTypes.WalletBet, EventTypes.WalletWin, EventTypes.WalletDeposit,
            EventTypes.WalletRollback, EventTypes.GameSession, EventTypes.PlayerLogin, EventTypes.PlayerConsent, EventTypes.WalletWithdrawal,
            EventTypes.PlayerKyc, EventTypes.PlayerAml, EventTypes.PlayerGeo }, types);
    }

    [Fact]
    public void Catalogue_PassesTheValidatorAndTheFeedReader()
    {
        var world = World.Create(3, 10, 30, HistoryFiles.End);
        Assert.InRange(world.Games.Count, 200, 600);
        Assert.InRange(world.Providers.Count, 24, 48);
        Assert.Empty(CatalogValidator.Validate(world.Games));
        Assert.Equal(GameCategories.All.Order(), world.Games.Select(g => g.Category).Distinct().Order());
        var feed = CatalogFeedReader.Read(JsonSerializer.SerializeToUtf8Bytes(world.Games.ToList(), ContractsJsonContext.Default.ListGame), "",
            new Dictionary<string, string>());
        Assert.Empty(feed.Errors);
        Assert.Equal(world.Games.Count, feed.Games.Count);
    }

    [Fact]
    public void VendorMessages_MapThroughTheAdaptersMappers()
    {
        var world = World.Create(5, 60, 20, HistoryFiles.End);
        var mapped = 0;
        for (var i = 0; i < world.PlayerCount; i++)
        {
            var sim = world.Simulate(i, 0.05);
            foreach (var a in sim.Activities)
            {
                foreach (var feed in new[] { Feed.FastTrack, Feed.Hub88 })
                {
                    if (VendorRenderer.Render(feed, sim.Player, a) is not { } message) continue;
                    foreach (var e in Map(message)) Parser.Parse(e);
                    mapped++;
                }
            }
            var details = Deserialize(JsonSerializer.SerializeToUtf8Bytes(OperatorApi.Details(sim), FastTrackJson.Default.FtUserDetails),
                FastTrackJsonContext.Default.FastTrackUserDetails);
            var enrichment = FastTrackMapper.Enrichment(sim.Player.Id, HistoryFiles.End, HistoryFiles.End, details,
                new FastTrackUserConsents([new(true, "email"), new(false, "sms")]), new FastTrackUserBlocks([]), false);
            Assert.NotEmpty(enrichment);
            foreach (var e in enrichment) Parser.Parse(e);
        }
        Assert.True(mapped > 1000, $"only {mapped} vendor messages");
    }

    private static IReadOnlyList<JsonElement> Map(Outgoing message)
    {
        if (message.Feed == Feed.Hub88)
        {
            var call = message.Path.EndsWith("/bet", StringComparison.Ordinal) ? Ingestion.Adapters.Hub88.Hub88Call.Bet
                : message.Path.EndsWith("/win", StringComparison.Ordinal) ? Ingestion.Adapters.Hub88.Hub88Call.Win : Ingestion.Adapters.Hub88.Hub88Call.Rollback;
            var mapping = Hub88Mapper.Map(call, Deserialize(message.Body, Hub88JsonContext.Default.Hub88Transaction), HistoryFiles.End);
            Assert.True(mapping.Event is not null, $"{message.Path}: {mapping.Problem} {Encoding.UTF8.GetString(message.Body)}");
            return [mapping.Event.Value];
        }
        var ft = FastTrackJsonContext.Default;
        return (message.Path switch
        {
            var p when p.EndsWith("/casino", StringComparison.Ordinal) => FastTrackMapper.Casino(Deserialize(message.Body, ft.FastTrackCasino)),
            var p when p.EndsWith("/payment", StringComparison.Ordinal) => FastTrackMapper.Payment(Deserialize(message.Body, ft.FastTrackPayment)),
            _ => FastTrackMapper.Login(Deserialize(message.Body, ft.FastTrackLogin)),
        }).Events;
    }

    private static T Deserialize<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(body, type) ?? throw new InvalidOperationException("null");
}
