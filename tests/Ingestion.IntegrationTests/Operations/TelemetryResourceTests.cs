using TestSupport;

namespace Ingestion.IntegrationTests.Operations;

public class TelemetryResourceTests(StoreServers servers)
{
    [Fact]
    public async Task Metrics_NameTheService_ItsVersionAndInstance()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis),
            new Dictionary<string, string?> { ["OTEL_SERVICE_INSTANCE_ID"] = "ingestion-7" });
        var client = app.CreateClient();

        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        var target = text.Split('\n').Single(l => l.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_name=\"Ingestion\"", target, StringComparison.Ordinal);
        Assert.Contains("service_instance_id=\"ingestion-7\"", target, StringComparison.Ordinal);
        Assert.Contains("service_version=\"", target, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown_service", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtelServiceName_OverridesTheApplicationName()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis),
            new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "ingestion-eu" });

        var text = await app.CreateClient().GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Contains("service_name=\"ingestion-eu\"", text, StringComparison.Ordinal);
    }
}
