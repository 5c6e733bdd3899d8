using System.Diagnostics;
using System.Text.RegularExpressions;
using Ingestion.Feeds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TestSupport;

namespace Ingestion.IntegrationTests.Operations;

/// <summary>
/// deploy/prometheus/alerts.yml: its promtool rule tests pass (one firing and one quiet case per alert), and every
/// Ingestion metric it reads is one Ingestion really exports on /metrics.
/// </summary>
public partial class AlertRulesTests(StoreServers servers)
{
    private static string RulesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "prometheus");
            if (File.Exists(Path.Combine(candidate, "alerts.yml"))) return candidate;
        }
        throw new InvalidOperationException("deploy/prometheus/alerts.yml not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] args)
    {
        var promtool = File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";
        var info = new ProcessStartInfo(promtool) { WorkingDirectory = RulesDirectory(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start (apt-get install prometheus)");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task PromtoolRuleTests_Pass()
    {
        var check = await PromtoolAsync("check", "rules", "alerts.yml");
        Assert.True(check.ExitCode == 0, check.Output);

        var test = await PromtoolAsync("test", "rules", "alerts.test.yml");
        Assert.True(test.ExitCode == 0, test.Output);
    }

    [Fact]
    public void EveryAlert_HasAFiringAndAQuietCase()
    {
        var dir = RulesDirectory();
        var alerts = AlertName().Matches(File.ReadAllText(Path.Combine(dir, "alerts.yml"))).Select(m => m.Groups[1].Value).ToList();
        var tests = File.ReadAllText(Path.Combine(dir, "alerts.test.yml"));

        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            // Each alert's tests name it; a quiet case is an `exp_alerts: []` or a series in its test left out of the expected alerts.
            Assert.Contains($"alertname: {alert}\n", tests, StringComparison.Ordinal);
            Assert.Contains($"- name: {alert} ", tests, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheIngestionMetricsTheRulesRead_AreExported()
    {
        // A fixed clock: the bet a minute old and the gauges sampled at the same instant, whenever the test runs.
        var now = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = new FakeTimeProvider(now) };
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var at = now.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await ReconciliationTests.SendAsync(app, ReconciliationTests.Bet("/hub88", "tx-1", "r-1", now.AddMinutes(-1)));
        await client.PostAsync(new Uri("/v1/events", UriKind.Relative), new StringContent(
            $$$"""[{"specversion":"1.0","id":"x","source":"/hub88","type":"wallet.bet","time":"{{{at}}}","subject":"p-1","data":{}}]""",
            System.Text.Encoding.UTF8, "application/cloudevents-batch+json"), TestContext.Current.CancellationToken);
        await ReconciliationTests.SendAsync(app, ReconciliationTests.Payment("/cashier", "wallet.deposit", "d-1", "rejected", "trustly", now.AddMinutes(-1)));
        await app.Services.GetRequiredService<FeedStats>().SignatureFailedAsync("/compat/praxis");
        await app.Services.GetRequiredService<OperationsGauges>().SampleAsync();
        await app.Services.GetRequiredService<IngestionGaugeSampler>().SampleAsync();

        var exported = await app.CreateClient().GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        var rules = File.ReadAllText(Path.Combine(RulesDirectory(), "alerts.yml"));
        var read = MetricName().Matches(rules).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("ingestion_feed_state", read);
        foreach (var metric in read)
        {
            Assert.Matches(new Regex("^" + Regex.Escape(metric) + "[{ ]", RegexOptions.Multiline), exported);
        }
    }

    [GeneratedRegex(@"^\s*- alert: (\w+)", RegexOptions.Multiline)]
    private static partial Regex AlertName();

    /// <summary>Ingestion's and the store's metric names in the rules (Intelligence's webhooks_* are exported by Intelligence).</summary>
    [GeneratedRegex(@"\b(ingestion|store)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
