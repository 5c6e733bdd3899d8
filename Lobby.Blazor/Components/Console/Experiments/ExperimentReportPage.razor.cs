using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.Components.Console.Experiments;

/// <summary>One experiment's report: the sentence, the method, each metric with its interval, a chart per metric over time, and its control share.</summary>
public sealed partial class ExperimentReportPage
{
    [Parameter] public string Id { get; set; } = "";

    [Inject] private IOptions<StoreOptions> Store { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private ExperimentReport? Report { get; set; }

    private Experiment? Experiment { get; set; }

    private bool NotFound { get; set; }

    private int Horizon { get; set; } = 7;

    private double SharePercent { get; set; }

    private bool Live => Experiment is not null && !Experiment.Name.EndsWith("(removed)", StringComparison.Ordinal);

    private string Currency => Store.Value.BaseCurrency;

    protected override async Task OnParametersSetAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () =>
        {
            Experiment = (await Api.ListExperimentsAsync()).Items.FirstOrDefault(e => e.Id == Id);
            SharePercent = Math.Round((Experiment?.ControlShare ?? 0) * 100, 1);
        });
        await LoadAsync();
    }

    private async Task ShowHorizonAsync(int horizon)
    {
        Horizon = horizon;
        await LoadAsync();
    }

    private async Task LoadAsync() => await TryAsync(async () =>
    {
        Report = await Api.GetExperimentReportAsync(Id, Horizon);
        NotFound = Report is null;
    });

    private async Task SaveShareAsync()
    {
        try
        {
            Experiment = await Api.SetControlShareAsync(Id, SharePercent / 100);
            Snackbar.Add($"From now on {ExperimentFormat.Share(Experiment.ControlShare)} of new players are held out.", Severity.Success);
            Error = null;
        }
        catch (ConsoleClientException e) when (e.Errors.Count > 0)
        {
            Error = string.Join(" ", e.Errors.SelectMany(x => x.Value));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error = Describe(e);
        }
    }
}
