using System.Globalization;
using Lobby.Console;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Operations;

/// <summary>
/// The on-call view (operator or admin): every feed's state from <c>GET /v1/feeds</c>, reconciliation's counts and newest
/// items, each feed's last 24 hours, and a banner while an in-product ops alert fires. It polls Ingestion every
/// <see cref="RefreshEvery"/> on the injected clock (the hourly history once a minute); a failed poll keeps the last
/// figures on screen under the error, and the next good one clears it.
/// </summary>
public sealed partial class OperationsPage : IDisposable
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HistoryEvery = TimeSpan.FromMinutes(1);
    private const int HistoryHours = 24;
    private const int NewestShown = 5;
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    [Inject] private IOperationsClient Operations { get; set; } = default!;

    private ITimer? _timer;
    private int _refreshing;
    private DateTimeOffset? _historyAt;

    protected override string Service => "Ingestion";

    private FeedsReport? Feeds { get; set; }

    private ReconciliationReport? Reconciliation { get; set; }

    private FeedHistory? History { get; set; }

    private IReadOnlyList<OpsAlert>? Alerts { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await RefreshAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive) _timer = Time.CreateTimer(_ => _ = InvokeAsync(PollAsync), null, RefreshEvery, RefreshEvery);
    }

    private async Task PollAsync()
    {
        // A slow Ingestion must not pile up polls: one at a time, the next tick tries again.
        if (Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        try
        {
            await RefreshAsync();
            StateHasChanged();
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private async Task RefreshAsync()
    {
        var now = Time.GetUtcNow();
        var readHistory = _historyAt is not { } at || now - at >= HistoryEvery;
        await TryAsync(async () =>
        {
            var feeds = Operations.GetFeedsAsync();
            var reconciliation = Operations.GetReconciliationAsync();
            var alerts = Operations.GetFiringAlertsAsync();
            var history = readHistory ? Operations.GetFeedHistoryAsync(HistoryHours) : Task.FromResult(History!);
            await Task.WhenAll(feeds, reconciliation, alerts, history);
            (Feeds, Reconciliation, Alerts, History) = (feeds.Result, reconciliation.Result, alerts.Result, history.Result);
            if (readHistory) _historyAt = now;
        });
    }

    internal static Color StateColour(string state) => state switch
    {
        FeedStates.Ok => Color.Success,
        FeedStates.Quiet => Color.Warning,
        _ => Color.Error,
    };

    internal static string Rate(double? perMinute) => perMinute is { } r ? r.ToString("0.0", Culture) : "–";

    internal static string Share(double share) => share.ToString("0.0%", Culture);

    internal static string Lag(long? ms) => ms is not { } v ? "–" : v switch
    {
        < 1_000 => $"{v} ms",
        < 60_000 => (v / 1000.0).ToString("0.#", Culture) + " s",
        < 3_600_000 => $"{v / 60_000} min",
        _ => (v / 3_600_000.0).ToString("0.#", Culture) + " h",
    };

    private string LastEvent(DateTimeOffset? at) => at is { } t ? ConsoleFormat.Ago(t, Time.GetUtcNow()) : "never";

    private static string Version(TransactionVersion v) =>
        $"{v.Amount?.ToString("N2", Culture) ?? "–"} {v.Currency} by {v.PlayerId}" + (v.RoundId is { } r ? $" in round {r}" : "");

    public void Dispose() => _timer?.Dispose();
}
