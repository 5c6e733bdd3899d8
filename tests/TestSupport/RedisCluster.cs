using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TestSupport;

/// <summary>
/// A real Redis Cluster of <c>redis-server</c> child processes on free loopback ports: by default three masters, each
/// with one replica, created with <c>redis-cli --cluster create … --cluster-replicas 1 --cluster-yes</c> and awaited
/// until every node says <c>cluster_state:ok</c>, every slot is covered and every replica is in sync. Nodes can be
/// killed and started again (failover) and slots moved with <c>redis-cli --cluster reshard</c> (resharding).
/// Disposing stops every node and deletes their directories.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    public const int Slots = 16384;
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(2);

    private readonly List<RedisServer> _nodes;
    private readonly int _replicasPerMaster;

    private RedisCluster(List<RedisServer> nodes, int replicasPerMaster)
    {
        _nodes = nodes;
        _replicasPerMaster = replicasPerMaster;
    }

    /// <summary>Every node, masters and replicas, in the order they were started (roles change with failovers).</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>Every node's <c>127.0.0.1:port</c>, comma-separated: a StackExchange.Redis connection string for the cluster.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => n.ConnectionString));

    /// <summary>Where <c>redis-cli</c> is: on PATH or at /usr/bin/redis-cli (it comes with redis-server, package redis-tools).</summary>
    public static string FindCli()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "redis-cli")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-cli was not found on PATH nor at /usr/bin/redis-cli; install redis-server (apt-get install redis-server), which brings it.");
    }

    /// <param name="nodeTimeout">
    /// <c>cluster-node-timeout</c>: how long a master may not answer before its replica takes over. Short makes
    /// failover tests quick; on a loaded machine too short a timeout fails over healthy masters, so the default is
    /// generous and only failover tests lower it.
    /// </param>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicasPerMaster = 1, TimeSpan? nodeTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3);
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        // A node's ports are picked free and bound a moment later by its process: on a machine running other suites in
        // parallel one may be taken in between, and that node never joins. A cluster that does not become healthy is
        // torn down and made again on new ports, three times at most.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(masters, replicasPerMaster, nodeTimeout, cancellationToken);
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task<RedisCluster> StartOnceAsync(int masters, int replicasPerMaster, TimeSpan? nodeTimeout, CancellationToken cancellationToken)
    {
        var timeout = (long)(nodeTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        var count = masters * (1 + replicasPerMaster);
        var starting = Enumerable.Range(0, count).Select(_ => RedisServer.StartAsync(RedisPersistence.None, ownDirectory: true,
            port => NodeArguments(port, timeout), cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var t in starting.Where(t => t.IsCompletedSuccessfully)) t.Result.Dispose();
            throw;
        }
        var cluster = new RedisCluster([.. starting.Select(t => t.Result)], replicasPerMaster);
        try
        {
            List<string> create = ["--cluster", "create", .. cluster._nodes.Select(n => n.ConnectionString),
                "--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"];
            await CliAsync(create, cancellationToken: cancellationToken);
            await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), replicasInSync: true, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static IReadOnlyList<string> NodeArguments(int port, long nodeTimeoutMs)
    {
        // The bus port is the client port + 10000 unless told otherwise; that one may be taken or out of range.
        var bus = FreePort.Get();
        return
        [
            "--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}.conf",
            "--cluster-port", bus.ToString(CultureInfo.InvariantCulture),
            "--cluster-node-timeout", nodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
            // A replica takes over however long it has been cut off from its master (tests kill masters at will).
            "--cluster-replica-validity-factor", "0",
            // Replicas sync at once rather than after the default five seconds of waiting for more replicas.
            "--repl-diskless-sync-delay", "0",
        ];
    }

    /// <summary>The cluster as a node that is running sees it (<c>CLUSTER NODES</c>).</summary>
    public async Task<IReadOnlyList<ClusterNode>> NodesAsync(CancellationToken cancellationToken = default)
    {
        var node = _nodes.FirstOrDefault(n => n.IsRunning) ?? throw new InvalidOperationException("no node of the cluster is running");
        return ClusterNode.Parse(await CliAsync(["-p", Port(node), "cluster", "nodes"], cancellationToken: cancellationToken));
    }

    /// <summary>The running master serving <paramref name="slot"/>.</summary>
    public async Task<ClusterNode> MasterOfSlotAsync(int slot, CancellationToken cancellationToken = default) =>
        (await NodesAsync(cancellationToken)).Single(n => n.IsMaster && !n.Failed && n.Slots.Any(r => r.From <= slot && slot <= r.To));

    /// <summary>The process behind a node.</summary>
    public RedisServer Server(ClusterNode node) => _nodes.Single(n => n.Port == node.Port);

    /// <summary>
    /// Waits until every running node reports <c>cluster_state:ok</c>, <c>redis-cli --cluster check</c> finds every
    /// slot covered, no slot open (migrating or importing) and every node agreeing, and no running node is flagged as
    /// failing; with <paramref name="replicasInSync"/> also until every master has its replicas, each with its link up.
    /// </summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, bool replicasInSync, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var why = "";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            why = await UnhealthyAsync(replicasInSync, cancellationToken);
            if (why is null) return;
            if (watch.Elapsed > timeout) throw new TimeoutException($"the cluster did not become healthy within {timeout.TotalSeconds:0} s: {why}");
            await Task.Delay(200, cancellationToken);
        }
    }

    private async Task<string?> UnhealthyAsync(bool replicasInSync, CancellationToken ct)
    {
        var running = _nodes.Where(n => n.IsRunning).ToList();
        foreach (var node in running)
        {
            var info = await CliAsync(["-p", Port(node), "cluster", "info"], cancellationToken: ct);
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal)) return $"node {node.Port} is not ok: {FirstLine(info, "cluster_state")}";
        }
        var nodes = await NodesAsync(ct);
        var alive = running.Select(n => n.Port).ToHashSet();
        if (nodes.FirstOrDefault(n => alive.Contains(n.Port) && n.Failed) is { } flagged) return $"node {flagged.Port} is still flagged as failing";
        var check = await CliAsync(["--cluster", "check", running[0].ConnectionString], allowFailure: true, ct);
        if (!check.Contains($"[OK] All {Slots} slots covered", StringComparison.Ordinal)) return "not every slot is covered";
        if (!check.Contains("[OK] All nodes agree about slots configuration", StringComparison.Ordinal)) return "the nodes do not agree about the slots yet";
        // Open (migrating or importing) slots are reported as warnings or errors.
        if (check.Contains("[WARNING]", StringComparison.Ordinal) || check.Contains("[ERR]", StringComparison.Ordinal)) return "a slot is still open: " + check;
        if (!replicasInSync) return null;
        foreach (var master in nodes.Where(n => n.IsMaster && n.Slots.Count > 0))
        {
            var replicas = nodes.Count(n => n.MasterId == master.Id && alive.Contains(n.Port) && !n.Failed);
            if (replicas < _replicasPerMaster) return $"master {master.Port} has {replicas} of {_replicasPerMaster} replicas";
        }
        foreach (var replica in nodes.Where(n => !n.IsMaster && alive.Contains(n.Port)))
        {
            var info = await CliAsync(["-p", replica.Port.ToString(CultureInfo.InvariantCulture), "info", "replication"], cancellationToken: ct);
            if (!info.Contains("master_link_status:up", StringComparison.Ordinal)) return $"replica {replica.Port} is not in sync with its master yet";
        }
        return null;
    }

    /// <summary>
    /// Moves <paramref name="slots"/> slots from one master to another with <c>redis-cli --cluster reshard</c>, which
    /// migrates the keys of each slot (MIGRATE) while clients keep using them (they are redirected with ASK and MOVED).
    /// Waits first until every node agrees on the slots (redis-cli refuses otherwise, as after a reshard just done).
    /// </summary>
    public async Task<string> ReshardAsync(ClusterNode from, ClusterNode to, int slots, CancellationToken cancellationToken = default)
    {
        await WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), replicasInSync: false, cancellationToken);
        return await CliAsync(["--cluster", "reshard", Server(to).ConnectionString, "--cluster-from", from.Id, "--cluster-to", to.Id,
            "--cluster-slots", slots.ToString(CultureInfo.InvariantCulture), "--cluster-yes", "--cluster-pipeline", "10"], cancellationToken: cancellationToken);
    }

    /// <summary>Runs <c>redis-cli</c> and returns what it printed; throws with its output when it fails.</summary>
    public static async Task<string> CliAsync(IReadOnlyList<string> arguments, bool allowFailure = false, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(FindCli())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-cli");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CliTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {CliTimeout.TotalSeconds:0} s");
        }
        var text = new StringBuilder().Append(await output).Append(await error).ToString();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with code {process.ExitCode}:\n{text}");
        }
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    private static string Port(RedisServer node) => node.Port.ToString(CultureInfo.InvariantCulture);

    private static string FirstLine(string text, string prefix) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? text.Trim();
}

/// <summary>One line of <c>CLUSTER NODES</c>: a node's id, port, role, master (for a replica), failure flag and slot ranges.</summary>
public sealed record ClusterNode(string Id, int Port, bool IsMaster, string? MasterId, bool Failed, IReadOnlyList<(int From, int To)> Slots)
{
    public int SlotCount => Slots.Sum(r => r.To - r.From + 1);

    public static IReadOnlyList<ClusterNode> Parse(string clusterNodes)
    {
        var nodes = new List<ClusterNode>();
        foreach (var line in clusterNodes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
            var f = line.Split(' ');
            if (f.Length < 8) continue;
            var address = f[1].Split('@')[0];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var flags = f[2].Split(',');
            var slots = new List<(int, int)>();
            // Open slots ("[1234->-id]") are listed in brackets and are not ranges the node serves.
            foreach (var s in f.Skip(8).Where(s => !s.StartsWith('[')))
            {
                var dash = s.IndexOf('-', StringComparison.Ordinal);
                slots.Add(dash < 0
                    ? (int.Parse(s, CultureInfo.InvariantCulture), int.Parse(s, CultureInfo.InvariantCulture))
                    : (int.Parse(s[..dash], CultureInfo.InvariantCulture), int.Parse(s[(dash + 1)..], CultureInfo.InvariantCulture)));
            }
            nodes.Add(new ClusterNode(f[0], port, flags.Contains("master"), f[3] == "-" ? null : f[3], flags.Contains("fail") || flags.Contains("fail?"), slots));
        }
        return nodes;
    }
}
