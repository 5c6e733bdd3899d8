using System.Net;
using System.Text.Json;
using Ingestion.Events;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// <c>Ingestion:MaxRequestsInFlight</c> crossed, with the store holding the first request (its writes paused): a request
/// past the places waits in the queue and is applied once a place frees; past <c>Ingestion:MaxRequestsQueued</c>, or
/// after <c>Ingestion:MaxQueueWait</c> without a place, it is refused at the door with <c>429</c> and
/// <c>Retry-After</c>, acknowledges nothing, and its resend counts its event once.
/// </summary>
public sealed class OverloadTests
{
    private static StringContent Bet(string id) => PausedStoreApp.Bet(id);

    private static Task<JsonElement> BodyAsync(HttpResponseMessage response) => PausedStoreApp.BodyAsync(response);

    [Fact]
    public async Task ARequestPastTheLimit_Is429WithRetryAfter_AcknowledgesNothing_AndItsResendCountsOnce()
    {
        await using var run = await PausedStoreApp.StartAsync(new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxRequestsQueued"] = "0",
        });
        var admission = run.App.Services.GetRequiredService<IngestAdmission>();

        // The store holds writes for a while: the first request waits inside, holding the only place.
        await run.PauseWritesAsync();
        var first = run.PostAsync(Bet("first"));
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");

        using var refused = await run.PostAsync(Bet("second"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Ingestion:MaxRequestsInFlight", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        await run.ResumeAsync();
        using var firstAnswer = await first;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(0, admission.InFlight);

        // Refused means not applied: the resend is accepted, not a duplicate.
        using var resent = await run.PostAsync(Bet("second"));
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        var result = await BodyAsync(resent);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task ARequestPastThePlaces_WaitsInTheQueue_AndIsApplied_WhileOnePastTheQueueIsRefusedAtOnce()
    {
        await using var run = await PausedStoreApp.StartAsync(new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxRequestsQueued"] = "1",
            ["Ingestion:MaxQueueWait"] = "00:00:30",
        });
        var admission = run.App.Services.GetRequiredService<IngestAdmission>();

        await run.PauseWritesAsync();
        var first = run.PostAsync(Bet("first"));
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");
        var second = run.PostAsync(Bet("second"));
        await Eventually.UntilAsync(() => Task.FromResult(admission.Waiting == 1), TimeSpan.FromSeconds(10), "the second request waiting");

        // The queue's one place is taken: the third is refused without waiting.
        using var refused = await run.PostAsync(Bet("third"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Ingestion:MaxRequestsQueued", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(second.IsCompleted, "the waiting request is not answered while it waits");

        await run.ResumeAsync();
        using var firstAnswer = await first;
        using var secondAnswer = await second;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondAnswer.StatusCode);
        Assert.Equal(1, (await BodyAsync(secondAnswer)).GetProperty("accepted").GetInt32());
        Assert.Equal((0, 0), (admission.InFlight, admission.Waiting));

        using var resent = await run.PostAsync(Bet("third"));
        Assert.Equal(1, (await BodyAsync(resent)).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task ARequestThatWaitsLongerThanMaxQueueWait_Is429_AndAcknowledgesNothing()
    {
        await using var run = await PausedStoreApp.StartAsync(new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxQueueWait"] = "00:00:00.300",
        });
        var admission = run.App.Services.GetRequiredService<IngestAdmission>();

        await run.PauseWritesAsync();
        var first = run.PostAsync(Bet("first"));
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");

        var waited = System.Diagnostics.Stopwatch.StartNew();
        using var refused = await run.PostAsync(Bet("second"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(290), $"refused after {waited.Elapsed.TotalMilliseconds:0} ms, before its wait ran out");
        Assert.Contains("Ingestion:MaxQueueWait", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, admission.Waiting);

        await run.ResumeAsync();
        using var firstAnswer = await first;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        using var resent = await run.PostAsync(Bet("second"));
        var result = await BodyAsync(resent);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt32());
    }
}
