using System.Globalization;
using System.Text;
using System.Text.Json;
using Shared.Contracts;

namespace Ingestion.Adapters.Hub88;

/// <summary>One wallet transaction as either side tells it (amount in currency units; null where that side does not say).</summary>
public sealed record Hub88Side(string TransactionId, string? PlayerId, string? RoundId, decimal? Amount, string? Currency);

/// <summary>A transaction both sides have, told differently: each field that differs, as Hub88 and as we have it.</summary>
public sealed record Hub88Difference(string TransactionId, IReadOnlyList<(string Field, string? Hub88, string? Ours)> Fields);

/// <summary>What Hub88 has that we do not, what we have that Hub88 does not, and what differs, for one time range.</summary>
public sealed record Hub88ReconciliationReport(DateTimeOffset From, DateTimeOffset To, int Hub88Count, int OursCount,
    IReadOnlyList<Hub88Side> OnlyAtHub88, IReadOnlyList<Hub88Side> OnlyOurs, IReadOnlyList<Hub88Difference> Different)
{
    public bool InAgreement => OnlyAtHub88.Count == 0 && OnlyOurs.Count == 0 && Different.Count == 0;

    /// <summary>The report as the command prints it: one line per finding, sorted by transaction id.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"Hub88 reconciliation {From.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} to {To.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: ")
            .Append(c, $"{Hub88Count} at Hub88, {OursCount} ours, {Hub88Count - OnlyAtHub88.Count - Different.Count} agree\n");
        static string Line(Hub88Side s) =>
            $"  {s.TransactionId}  player {s.PlayerId ?? "-"}  round {s.RoundId ?? "-"}  amount {Money(s.Amount, s.Currency)}\n";
        text.Append(c, $"Only at Hub88 ({OnlyAtHub88.Count}):\n");
        foreach (var s in OnlyAtHub88) text.Append(Line(s));
        text.Append(c, $"Only ours ({OnlyOurs.Count}):\n");
        foreach (var s in OnlyOurs) text.Append(Line(s));
        text.Append(c, $"Different ({Different.Count}):\n");
        foreach (var d in Different)
        {
            text.Append("  ").Append(d.TransactionId).Append("  ")
                .AppendJoin("; ", d.Fields.Select(f => $"{f.Field}: Hub88 {f.Hub88 ?? "-"}, ours {f.Ours ?? "-"}")).Append('\n');
        }
        return text.ToString();
    }

    internal static string Money(decimal? amount, string? currency) =>
        amount is { } a ? $"{a.ToString("0.00###", CultureInfo.InvariantCulture)} {currency ?? "-"}" : "-";
}

/// <summary>
/// Compares Hub88's transaction list (successful transactions only: a declined one moved no money) with the Hub88
/// wallet events we received (CloudEvents of source <c>/hub88</c>, bets, wins and rollbacks timed within the range),
/// by transaction id: player, round, amount and currency. A field one side leaves out is not compared.
/// </summary>
public static class Hub88ProviderReconciliation
{
    public static Hub88ReconciliationReport Compare(DateTimeOffset from, DateTimeOffset to, IEnumerable<Hub88TransactionItem> hub88, IEnumerable<Hub88Side> ours)
    {
        var theirs = new SortedDictionary<string, Hub88Side>(StringComparer.Ordinal);
        foreach (var t in hub88)
        {
            if (t.Status != Hub88TransactionsApi.Success || string.IsNullOrEmpty(t.TransactionUuid)) continue;
            theirs[t.TransactionUuid] = new Hub88Side(t.TransactionUuid, t.User, t.Round,
                t.Amount is { } units ? Hub88Mapper.ToMoney(units) : null, t.Currency);
        }
        var mine = new SortedDictionary<string, Hub88Side>(StringComparer.Ordinal);
        foreach (var o in ours) mine.TryAdd(o.TransactionId, o);

        var different = new List<Hub88Difference>();
        foreach (var (id, t) in theirs)
        {
            if (!mine.TryGetValue(id, out var o)) continue;
            var fields = new List<(string, string?, string?)>();
            void Check(string field, string? a, string? b)
            {
                if (a is not null && b is not null && !string.Equals(a, b, StringComparison.Ordinal)) fields.Add((field, a, b));
            }
            Check("player", t.PlayerId, o.PlayerId);
            Check("round", t.RoundId, o.RoundId);
            if (t.Amount is { } ta && o.Amount is { } oa && ta != oa)
            {
                fields.Add(("amount", Hub88ReconciliationReport.Money(ta, t.Currency), Hub88ReconciliationReport.Money(oa, o.Currency)));
            }
            Check("currency", t.Currency, o.Currency);
            if (fields.Count > 0) different.Add(new Hub88Difference(id, fields));
        }
        return new Hub88ReconciliationReport(from, to, theirs.Count, mine.Count,
            [.. theirs.Where(t => !mine.ContainsKey(t.Key)).Select(t => t.Value)],
            [.. mine.Where(o => !theirs.ContainsKey(o.Key)).Select(o => o.Value)],
            different);
    }

    /// <summary>
    /// Our side from CloudEvents NDJSON lines: Hub88's wallet events (source <see cref="Hub88Mapper.Source"/>) whose
    /// time is within [<paramref name="from"/>, <paramref name="to"/>). Lines that are not such events are skipped;
    /// a line that is not JSON is an error naming its number.
    /// </summary>
    public static async Task<List<Hub88Side>> ReadOursAsync(TextReader lines, DateTimeOffset from, DateTimeOffset to)
    {
        var ours = new List<Hub88Side>();
        var number = 0L;
        while (await lines.ReadLineAsync() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new FormatException($"line {number}: not a JSON CloudEvent ({e.Message})", e);
            }
            using (doc)
            {
                var e = doc.RootElement;
                if (e.ValueKind != JsonValueKind.Object || Text(e, "source") != Hub88Mapper.Source) continue;
                var type = Text(e, "type");
                if (type is not (EventTypes.WalletBet or EventTypes.WalletWin or EventTypes.WalletRollback)) continue;
                if (!e.TryGetProperty("time", out var t) || !t.TryGetDateTimeOffset(out var time) || time < from || time >= to) continue;
                if (!e.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object || Text(data, "transactionId") is not { } id) continue;
                ours.Add(new Hub88Side(id, Text(e, "subject"), Text(data, "roundId"),
                    data.TryGetProperty("amount", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDecimal() : null, Text(data, "currency")));
            }
        }
        return ours;
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
