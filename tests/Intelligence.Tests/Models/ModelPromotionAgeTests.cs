using System.Text.RegularExpressions;
using Intelligence.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;

namespace Intelligence.Tests.Models;

/// <summary>
/// <c>intelligence_model_promotion_age_seconds{kind}</c>, which deploy/prometheus/alerts.yml's ModelNotPromoted reads:
/// the seconds since each kind's last promotion on the service's clock, exported on /metrics.
/// </summary>
public sealed partial class ModelPromotionAgeTests(StoreServers servers)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EachKindsAge_IsTheTimeSinceItsLastPromotion_AndARollbackIsNoPromotion()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = new IntelligenceApp(await servers.ConnectionStringAsync(StoreKinds.Redis), clock: clock);
        var registry = app.Services.GetRequiredService<ModelRegistry>();
        await registry.PromoteAsync(ModelKinds.Churn, "churn-1");
        clock.Advance(TimeSpan.FromDays(1));
        await registry.PromoteAsync(ModelKinds.Churn, "churn-2");
        await registry.PromoteAsync(ModelKinds.Vip, "vip-1");
        clock.Advance(TimeSpan.FromDays(2));
        await registry.RollbackAsync(ModelKinds.Churn);
        clock.Advance(TimeSpan.FromHours(1));

        await app.Services.GetRequiredService<ModelPromotionAge>().SampleAsync();
        var exported = await app.CreateClient().GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        var ages = Age().Matches(exported).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2 * 86_400 + 3_600, ages[ModelKinds.Churn]);
        Assert.Equal(2 * 86_400 + 3_600, ages[ModelKinds.Vip]);
        Assert.False(ages.ContainsKey(ModelKinds.Segments), "a kind never promoted has no age");
    }

    [GeneratedRegex(@"^intelligence_model_promotion_age_seconds\{[^}]*kind=""(\w+)""[^}]*\} ([0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex Age();
}
