using Bunit;
using Lobby.Components.Console.Models;
using NSubstitute;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

/// <summary>The models page says what scores the players (model or rule) and shows each rolling holdout's comparison.</summary>
public sealed class ModelsPageTests : ConsoleTest
{
    private static Metrics M(double auc) => new(auc, 0.5, 0.3, 0.02, 3, 500, 0.2);

    private static ModelCard Card(string kind, string version, string status, string source = ModelSources.Model, IReadOnlyList<FoldResult>? folds = null, string? rule = null) =>
        new(kind, version, Now, status, "FastTree", [], new ModelWindow(Now, Now, [], [], "test"),
            new ModelEvaluation(1000, 500, "days since the last visit", M(0.9), M(0.88), null, Folds: folds, RuleMargin: 0.005), $"{status}: because", 1, Source: source, Rule: rule);

    private static readonly FoldResult[] Folds =
    [
        new(Now.AddDays(-30), Now.AddDays(-30), 20_000, 1_500, 300, M(0.921), M(0.902), null),
        new(Now.AddDays(-37), Now.AddDays(-37), 20_000, 1_480, 290, M(0.915), M(0.899), null),
    ];

    [Fact]
    public void AServedRule_IsNamed_AndTheLosingCandidatesFoldsAreShown()
    {
        SignInAs(Lobby.Console.ConsoleRoles.Marketer);
        var candidate = Card(ModelKinds.Churn, "churn-2", ModelStatus.Rejected, folds: [Folds[0] with { Model = M(0.80) }]);
        var rule = Card(ModelKinds.Churn, "churn-rule-2", ModelStatus.Promoted, ModelSources.Rule, folds: candidate.Evaluation.Folds, rule: "days since the last visit");
        Api.GetModelsAsync(Arg.Any<CancellationToken>()).Returns(new ModelsView(
        [
            new ModelKindView(ModelKinds.Churn, "churn-rule-2", [rule, candidate]),
            new ModelKindView(ModelKinds.Vip, "vip-1", [Card(ModelKinds.Vip, "vip-1", ModelStatus.Promoted, folds: Folds)]),
            new ModelKindView(ModelKinds.Segments, null, []),
        ]));
        var page = Render<ModelsPage>();

        var churn = page.Find("[data-testid=model-churn]");
        Assert.Contains("The rule “days since the last visit”", churn.QuerySelector("[data-testid=served-by]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Rule", churn.QuerySelector("[data-testid=served-source]")!.TextContent.Trim());
        Assert.Equal("-0.102", churn.QuerySelector("[data-testid=mean-gain]")!.TextContent.Trim());

        var vip = page.Find("[data-testid=model-vip]");
        Assert.Equal("Model vip-1", vip.QuerySelector("[data-testid=served-by]")!.TextContent.Trim());
        Assert.Equal(3, vip.QuerySelectorAll("[data-testid=folds] tbody tr").Length);
        Assert.Equal("+0.018", vip.QuerySelector("[data-testid=mean-gain]")!.TextContent.Trim());
        Assert.Contains("Nothing trained yet", page.Find("[data-testid=model-segments]").TextContent, StringComparison.Ordinal);
    }
}
