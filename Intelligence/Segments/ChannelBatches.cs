using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Intelligence.Segments;

internal static class ChannelBatches
{
    /// <summary>
    /// What is waiting in the channel, up to <paramref name="max"/> items at a time, as soon as anything arrives: work
    /// that comes in bursts is done in few store round trips. Ends when the channel completes or <paramref name="ct"/> fires.
    /// </summary>
    public static async IAsyncEnumerable<List<T>> ReadBatchesAsync<T>(this ChannelReader<T> reader, int max, [EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            var more = false;
            try
            {
                more = await reader.WaitToReadAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            if (!more) yield break;
            var batch = new List<T>(max);
            while (batch.Count < max && reader.TryRead(out var item)) batch.Add(item);
            yield return batch;
        }
    }
}
