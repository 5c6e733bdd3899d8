using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// Each service's OpenAPI document, as a client generator reads it, passes Redocly's linter with its recommended rules
/// (tests/OpenApi.Lint: @redocly/cli pinned in package-lock.json, restored from the npm registry with npm ci). The
/// documents are kept in test-output/openapi/. Every error fails the test; so does every warning not listed in
/// <see cref="Accepted"/> with its reason.
/// </summary>
[Trait("Category", "Slow")]
public class OpenApiLintTests(StoreServers servers)
{
    private static readonly NodePackages Redocly = new(typeof(OpenApiLintTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "OpenApiLintDirectory").Value!);

    /// <summary>Warnings that are right as they stand.</summary>
    private static readonly (string Rule, string PointerStart, string Reason)[] Accepted =
    [
        ("info-license", "#/info", "the product's licence is the operator's contract, not something the document may claim"),
        // Hub88's wallet protocol reads any status but 200 as a network failure: the tap answers every call 200 with a Hub88 status.
        ("operation-4xx-response", "#/paths/~1compat~1hub88~1", "Hub88 callbacks answer 200 with RS_ERROR_* statuses, never a 4xx"),
    ];

    [Fact]
    public async Task IngestionsDocument_PassesTheLinter() => await LintAsync<Ingestion.IngestionEntryPoint>("ingestion");

    [Fact]
    public async Task IntelligencesDocument_PassesTheLinter() => await LintAsync<Intelligence.IntelligenceEntryPoint>("intelligence");

    private async Task LintAsync<T>(string service) where T : class
    {
        var ct = TestContext.Current.CancellationToken;
        using var rsa = RSA.Create(2048);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = (await servers.RedisAsync()).ConnectionString,
            ["Store:KeyPrefix"] = TestKeys.Prefix("openapi-" + service),
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "lint",
            ["ApiKeys:0:Key"] = "lint-key",
            ["ApiKeys:0:Scopes"] = "events:write",
            // Every route the service can map, the Hub88 tap included.
            ["Hub88:Enabled"] = "true",
            ["Hub88:PublicKeyPem"] = rsa.ExportSubjectPublicKeyInfoPem(),
        };
        // On a real port of 127.0.0.1, as deployed: the document's server URL is the one a client would call.
        await using var host = new KestrelService<T>(settings, staticWebAssets: true);
        using var http = new HttpClient { BaseAddress = host.Start() };
        var document = await http.GetStringAsync("/openapi/v1.json", ct);
        var output = Path.Combine(Path.GetDirectoryName(Browser.OutputDirectory)!, "openapi");
        Directory.CreateDirectory(output);
        var file = Path.Combine(output, service + ".json");
        await File.WriteAllTextAsync(file, document, ct);

        await Redocly.EnsureRestoredAsync(Path.Combine("@redocly", "cli", "bin", "cli.js"), ct);
        var (exitCode, json, errors) = await Redocly.ExecAsync("node",
            [Path.Combine("node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", file, "--config", "redocly.yaml", "--format", "json"],
            TimeSpan.FromMinutes(2), ct, new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });
        var start = json.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, $"redocly lint printed no report (exit code {exitCode}):\n{json}\n{errors}");
        using var report = JsonDocument.Parse(json[start..]);
        var problems = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (Rule: p.GetProperty("ruleId").GetString()!, Severity: p.GetProperty("severity").GetString()!,
                Message: p.GetProperty("message").GetString()!, Pointer: p.GetProperty("location")[0].GetProperty("pointer").GetString() ?? ""))
            .ToList();
        foreach (var p in problems) TestContext.Current.TestOutputHelper?.WriteLine($"{service}: {p.Severity} {p.Rule} at {p.Pointer}: {p.Message}");

        var failing = problems.Where(p => p.Severity == "error"
            || !Accepted.Any(a => a.Rule == p.Rule && p.Pointer.StartsWith(a.PointerStart, StringComparison.Ordinal))).ToList();
        Assert.True(failing.Count == 0, $"{service}'s OpenAPI document ({file}):\n" + string.Join('\n', failing.Select(p => $"  {p.Severity} {p.Rule} at {p.Pointer}: {p.Message}")));
        Assert.DoesNotContain(problems, p => p.Severity == "error");
    }
}
