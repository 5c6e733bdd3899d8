using Shared.Contracts;

namespace Lobby.Components.Console.Experiments;

/// <summary>Every experiment with its control share and how many players each group holds.</summary>
public sealed partial class ExperimentsPage
{
    private IReadOnlyList<Experiment>? Items { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () => Items = (await Api.ListExperimentsAsync()).Items);
    }
}
