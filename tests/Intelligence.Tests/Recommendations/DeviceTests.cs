using Intelligence.Recommendations.Model;

namespace Intelligence.Tests.Recommendations;

/// <summary>
/// Device as context, on a hand-made history where every number can be worked out on paper: in market MT, 30 phone
/// players play the crash game g-orbit-0 and the slot g-ra-0, 30 desktop players the table game g-misc-0 and the same
/// slot, all today (recency 1). Smoothing: <see cref="CatalogModel.DeviceSmoothing"/> = 10 pseudo-players,
/// <see cref="CatalogModel.MarketDeviceSmoothing"/> = 100 plays.
/// </summary>
public sealed class DeviceTests
{
    private static readonly DateTimeOffset Now = TestCatalogue.Now;

    private static List<TrainingPlayer> History()
    {
        var players = new List<TrainingPlayer>();
        for (var i = 0; i < 30; i++)
        {
            players.Add(new TrainingPlayer($"p-m{i}", "MT", null, [new("g-orbit-0", 20, 2m, Now), new("g-ra-0", 20, 2m, Now)], "mobile"));
            players.Add(new TrainingPlayer($"p-d{i}", "MT", null, [new("g-misc-0", 20, 2m, Now), new("g-ra-0", 20, 2m, Now)], "desktop"));
        }
        return players;
    }

    private static CatalogModel Model(List<TrainingPlayer>? players = null) =>
        new(TestCatalogue.Train(players: players ?? History()), TestCatalogue.Games());

    private static int At(CatalogModel model, string id) => model.IndexOf(id)!.Value;

    [Fact]
    public void TheDeviceLift_IsEachGamesSmoothedShareOnTheDevice_OverTheDevicesShareOfAllPlayers()
    {
        var model = Model();
        Assert.Equal(["desktop", "mobile"], model.Devices.Order(StringComparer.Ordinal));
        var mobile = model.DeviceLift("mobile")!;
        // Mobile is half of all plays. g-orbit-0: (30 + 10·0.5) / (30 + 10) / 0.5 = 1.75; g-ra-0, played alike on both:
        // (30 + 5) / (60 + 10) / 0.5 = 1; g-misc-0, desktop only: (0 + 5) / (30 + 10) / 0.5 = 0.25; unplayed: 5 / 10 / 0.5 = 1.
        Assert.Equal(Math.Log(1.75), mobile[At(model, "g-orbit-0")], 5);
        Assert.Equal(0, mobile[At(model, "g-ra-0")], 5);
        Assert.Equal(Math.Log(0.25), mobile[At(model, "g-misc-0")], 5);
        Assert.Equal(0, mobile[At(model, "g-orbit-5")], 5);
        var desktop = model.DeviceLift("desktop")!;
        Assert.Equal(Math.Log(1.75), desktop[At(model, "g-misc-0")], 5);
        Assert.Equal(Math.Log(0.25), desktop[At(model, "g-orbit-0")], 5);
        Assert.Null(model.DeviceLift("tablet"));
        Assert.Null(model.DeviceLift(null));
    }

    [Fact]
    public void PopularityOnADevice_IsTheMarketsCountsOnIt_SmoothedTowardsTheMarketReweightedByTheLift()
    {
        var model = Model();
        // Prior for MT on mobile ∝ share of MT's plays × lift: g-orbit-0 ¼·1.75, g-ra-0 ½·1, g-misc-0 ¼·0.25 (sums to 1).
        // Then (count + 100·prior) / (60 + 100), best = 1: g-ra-0 (30 + 50) → 1, g-orbit-0 (30 + 43.75) / 80, g-misc-0 6.25 / 80.
        var mobile = model.PopularityFor("MT", null, "mobile");
        Assert.Equal(1, mobile[At(model, "g-ra-0")], 5);
        Assert.Equal(73.75 / 80, mobile[At(model, "g-orbit-0")], 5);
        Assert.Equal(6.25 / 80, mobile[At(model, "g-misc-0")], 5);
        var desktop = model.PopularityFor("MT", null, "desktop");
        Assert.Equal(73.75 / 80, desktop[At(model, "g-misc-0")], 5);
        Assert.Equal(6.25 / 80, desktop[At(model, "g-orbit-0")], 5);
        // Without a device, the market's popularity as before: g-ra-0 played by everyone, the other two by half.
        var any = model.PopularityFor("MT", null, null);
        Assert.Equal(0.5, any[At(model, "g-orbit-0")], 5);
        Assert.Equal(0.5, any[At(model, "g-misc-0")], 5);
    }

    [Fact]
    public void DevicePlays_AreCountedWithTheirRecency_PerDeviceAndPerMarketAndDevice()
    {
        var players = new List<TrainingPlayer>
        {
            new("p-1", "SE", null, [new("g-ra-1", 5, 1m, Now.AddDays(-14))], "tablet"),
            new("p-2", "SE", null, [new("g-ra-1", 5, 1m, Now)], "tablet"),
            new("p-3", "SE", null, [new("g-ra-1", 5, 1m, Now)], null),
        };
        var model = TestCatalogue.Train(players: players);
        var g = Array.IndexOf(model.GameIds, "g-ra-1");
        // Popularity halves every 14 days: 0.5 + 1 on tablets; the player without a device counts for everyone only.
        Assert.Equal(1.5f, model.Popularity["device:tablet"][g], 5);
        Assert.Equal(1.5f, model.Popularity["market:SE|device:tablet"][g], 5);
        Assert.Equal(2.5f, model.Popularity[""][g], 5);
        Assert.False(model.Popularity.ContainsKey("device:mobile"));
        // And the device keys survive the stored form.
        var back = RecommenderModel.Deserialize(model.Serialize());
        Assert.Equal(model.Popularity["market:SE|device:tablet"], back.Popularity["market:SE|device:tablet"]);
    }

    [Fact]
    public void ColdStart_OnMobile_PutsThePhoneGameFirst_AndOnDesktop_TheTableGame()
    {
        var model = Model();
        float[] ColdStart(string? device) => model.ForYou([], "MT", null, device, Now, deviceWeight: 0.3f);
        int Rank(float[] scores, string id) => scores.Count(s => s > scores[At(model, id)]);

        var mobile = ColdStart("mobile");
        var desktop = ColdStart("desktop");
        Assert.True(mobile[At(model, "g-orbit-0")] > mobile[At(model, "g-misc-0")]);
        Assert.True(desktop[At(model, "g-misc-0")] > desktop[At(model, "g-orbit-0")]);
        Assert.Equal(1, Rank(mobile, "g-orbit-0"));
        Assert.Equal(1, Rank(desktop, "g-misc-0"));
        // Without a device the two are tied, as the market plays them equally.
        var none = ColdStart(null);
        Assert.Equal(none[At(model, "g-orbit-0")], none[At(model, "g-misc-0")]);
        // A market the model has no plays for backs off to everyone's popularity on the device.
        var elsewhere = model.ForYou([], "SE", null, "mobile", Now, deviceWeight: 0.3f);
        Assert.True(elsewhere[At(model, "g-orbit-0")] > elsewhere[At(model, "g-misc-0")]);
    }

    [Fact]
    public void ForAPlayerWithPlays_TheDeviceTerm_LiftsGamesPlayedOnTheDevice_AndSinksTheOthers()
    {
        var model = Model();
        GameInteraction[] plays = [new("g-ra-0", 50, 5m, Now)];
        var without = model.ForYou(plays, "MT", null, Now);
        var onMobile = model.ForYou(plays, "MT", null, "mobile", Now, deviceWeight: 0.5f);
        var weightZero = model.ForYou(plays, "MT", null, "mobile", Now, deviceWeight: 0);
        var orbit = At(model, "g-orbit-0");
        var misc = At(model, "g-misc-0");
        // Each game moves by weight × the player's best score × its lift, on top of the popularity on the device.
        Assert.Equal(weightZero[orbit] + 0.5f * MaxTaste(model, plays) * MathF.Log(1.75f), onMobile[orbit], 4);
        Assert.True(onMobile[orbit] - without[orbit] > 0);
        Assert.True(onMobile[misc] - without[misc] < 0);
        Assert.True(onMobile[orbit] > onMobile[misc]);
    }

    [Fact]
    public void OnThePlayersUsualDevice_TheTasteStaysAsItIs_AndOnAnother_ItMovesByTheDifferenceOfTheLifts()
    {
        var model = Model();
        GameInteraction[] plays = [new("g-ra-0", 50, 5m, Now)];
        // The taste was learned from plays on the usual device: on it, only the popularity prior is the device's.
        Assert.Equal(model.ForYou(plays, "MT", null, "mobile", Now, deviceWeight: 0),
            model.ForYou(plays, "MT", null, "mobile", Now, deviceWeight: 0.5f, usualDevice: "mobile"));
        // A phone player at a desktop: desktop lift less mobile lift, ln 1.75 − ln 0.25 = ln 7 for the table game, −ln 7 for the crash game.
        var away = model.ForYou(plays, "MT", null, "desktop", Now, deviceWeight: 0.5f, usualDevice: "mobile");
        var noTerm = model.ForYou(plays, "MT", null, "desktop", Now, deviceWeight: 0);
        var step = 0.5f * MaxTaste(model, plays) * MathF.Log(7);
        Assert.Equal(noTerm[At(model, "g-misc-0")] + step, away[At(model, "g-misc-0")], 4);
        Assert.Equal(noTerm[At(model, "g-orbit-0")] - step, away[At(model, "g-orbit-0")], 4);
        Assert.Equal(noTerm[At(model, "g-ra-0")], away[At(model, "g-ra-0")], 4);
    }

    /// <summary>The player's best predicted preference (before any prior): the scale the device term is on.</summary>
    private static float MaxTaste(CatalogModel model, IEnumerable<GameInteraction> plays)
    {
        var taste = new float[model.K];
        model.FoldIn(plays, Now, taste);
        var best = 0f;
        for (var g = 0; g < model.Games.Length; g++) best = Math.Max(best, Dense.Dot(taste, model.Factors.AsSpan(g * model.K, model.K)));
        return best;
    }
}
