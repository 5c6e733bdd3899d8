using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Ingestion.Adapters.Hub88;

namespace Ingestion.Commands;

/// <summary>
/// <c>hub88-reconcile --url … --operator-id … --private-key op.pem --hub88-public-key hub88.pem --from … --to … --ours events.ndjson</c>:
/// reads Hub88's transaction list for the range (Transactions API) and our Hub88 wallet events for the same range
/// (CloudEvents NDJSON, as <c>backfill</c> reads them), and prints what Hub88 has that we do not, what we have that
/// Hub88 does not, and what differs. Exit code 0: in agreement; 2: differences found; 1: the comparison could not be made.
/// </summary>
internal static class Hub88ReconcileCommand
{
    public const int Agree = 0, Failed = 1, Differ = 2;

    public static Command Create()
    {
        var url = new Option<Uri>("--url") { Description = "Hub88 Operator API base address (the one Hub88 gave you)", Required = true };
        var operatorId = new Option<long>("--operator-id") { Description = "Your operator_id at Hub88", Required = true };
        var privateKey = new Option<FileInfo>("--private-key") { Description = "PEM file of your RSA private key (Hub88 holds its public half)", Required = true };
        var hub88Key = new Option<FileInfo?>("--hub88-public-key") { Description = "PEM file of Hub88's public key, to verify a signed answer" };
        var from = new Option<DateTimeOffset>("--from") { Description = "Start of the range (ISO 8601; UTC if no offset)", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "End of the range, excluded", Required = true };
        var ours = new Option<string[]>("--ours") { Description = "NDJSON files (or globs, .gz too) of the CloudEvents we received from Hub88", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("hub88-reconcile", "Compare Hub88's transaction list with the Hub88 wallet events we received")
        {
            url, operatorId, privateKey, hub88Key, from, to, ours,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(from) >= r.GetValue(to)) r.AddError("--from must be before --to");
        });
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(url)!, parse.GetValue(operatorId), parse.GetValue(privateKey)!.FullName,
            parse.GetValue(hub88Key)?.FullName, parse.GetValue(from), parse.GetValue(to), parse.GetValue(ours)!, Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(Uri url, long operatorId, string privateKeyPath, string? hub88PublicKeyPath, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<string> ours, TextWriter output, TextWriter error, CancellationToken cancellationToken, HttpMessageHandler? handler = null)
    {
        try
        {
            var (files, missing) = NdJsonFiles.Expand(ours);
            if (missing.Count > 0) throw new FileNotFoundException($"--ours: no file matches {string.Join(", ", missing)}");
            var mine = new List<Hub88Side>();
            foreach (var file in files)
            {
                using var reader = new StreamReader(NdJsonFiles.Open(file, out _));
                try
                {
                    mine.AddRange(await Hub88ProviderReconciliation.ReadOursAsync(reader, from, to));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"--ours {file}: {e.Message}", e);
                }
            }
            var hub88Key = hub88PublicKeyPath is null ? null : Hub88Signature.LoadPublicKey(new Hub88Options { PublicKeyPath = hub88PublicKeyPath });
            using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            http.BaseAddress = new Uri(url.ToString().TrimEnd('/') + "/");
            var api = new Hub88TransactionsApi(http, operatorId, await File.ReadAllTextAsync(privateKeyPath, cancellationToken), hub88Key);
            var theirs = await api.ListAsync(from, to, cancellationToken);

            var report = Hub88ProviderReconciliation.Compare(from, to, theirs, mine);
            await output.WriteAsync(report.ToText());
            return report.InAgreement ? Agree : Differ;
        }
        catch (Exception e) when (e is Hub88TransactionsException or HttpRequestException or IOException or FormatException
            or InvalidOperationException or CryptographicException or ArgumentException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"hub88-reconcile: {e.Message}"));
            return Failed;
        }
    }
}
