using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>A segment's current definition with its rule bound to the fields, ready to compile.</summary>
/// <param name="Rule">Null when the stored rule no longer binds (a field this build does not know): it then matches no one.</param>
public sealed record LiveSegment(Segment Definition, BoundRule? Rule)
{
    public string Id => Definition.Id;

    public bool Marketing => SegmentEvaluator.IsMarketing(Definition.Purpose);

    public int ChannelBit => Marketing ? SegmentMarketing.ChannelBit(Definition.Channel) : -1;

    /// <summary>Whether membership can change with time alone: relative dates, and marketing (restrictions expire).</summary>
    public bool MovesWithTime => Marketing || (Rule is not null && HasRelativeDate(Rule));

    public RowPredicate Compile(PlayerIndex index, IndexColumns columns, long nowMs) =>
        Rule is null ? Nobody.Instance : RuleCompiler.Compile(Rule, index, columns, nowMs);

    private static bool HasRelativeDate(BoundRule rule) => rule switch
    {
        BoundAll a => a.Rules.Any(HasRelativeDate),
        BoundAny a => a.Rules.Any(HasRelativeDate),
        BoundNot n => HasRelativeDate(n.Rule),
        BoundLeaf l => l.Values.Any(v => v.Relative),
        _ => false,
    };

    private sealed class Nobody : RowPredicate
    {
        public static readonly Nobody Instance = new();
        public override bool Match(int row) => false;
    }
}

/// <summary>
/// The segments this instance evaluates: every definition in the store, reloaded when any instance announces a change
/// (<c>segments:changed</c>) and whenever a membership script finds them out of date.
/// </summary>
public sealed class LiveSegments(SegmentStore store, ILogger<LiveSegments> log) : IDisposable
{
    // Stored rules were checked when saved; catalogue references and limits are not checked again.
    private static readonly RuleContext AnyReference = new(new Everything(), new Everything());
    private static readonly RuleLimits NoLimits = new(int.MaxValue, int.MaxValue, int.MaxValue);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyList<LiveSegment>? _all;

    /// <summary>Binds a rule that was validated where it came from (stored, or sent by the instance that took the request).</summary>
    public static RuleBinder.Result BindValidated(SegmentRule rule) => RuleBinder.Bind(rule, AnyReference, NoLimits, DateTimeOffset.UnixEpoch, checkOrder: false);

    /// <summary>The segments, by id; loads them on first use.</summary>
    public async Task<IReadOnlyList<LiveSegment>> GetAsync() => _all ?? await ReloadAsync();

    public async Task<LiveSegment?> FindAsync(string id) => (await GetAsync()).FirstOrDefault(s => s.Id == id);

    public async Task<IReadOnlyList<LiveSegment>> ReloadAsync()
    {
        await _gate.WaitAsync();
        try
        {
            var definitions = await store.DefinitionsAsync();
            var live = new List<LiveSegment>(definitions.Count);
            foreach (var d in definitions.OrderBy(d => d.Id, StringComparer.Ordinal))
            {
                var bound = BindValidated(d.Rule);
                if (!bound.IsValid)
                {
                    log.LogError("Segment {Segment} v{Version} no longer binds ({Errors}); it matches no one until it is edited",
                        d.Id, d.Version, string.Join("; ", bound.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
                }
                live.Add(new LiveSegment(d, bound.Rule));
            }
            _all = live;
            return live;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Everything : IReadOnlySet<string>
    {
        public int Count => 0;
        public bool Contains(string item) => true;
        public bool IsProperSubsetOf(IEnumerable<string> other) => false;
        public bool IsProperSupersetOf(IEnumerable<string> other) => true;
        public bool IsSubsetOf(IEnumerable<string> other) => false;
        public bool IsSupersetOf(IEnumerable<string> other) => true;
        public bool Overlaps(IEnumerable<string> other) => other.Any();
        public bool SetEquals(IEnumerable<string> other) => false;
        public IEnumerator<string> GetEnumerator() => Enumerable.Empty<string>().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
