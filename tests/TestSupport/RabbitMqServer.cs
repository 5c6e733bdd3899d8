using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TestSupport;

/// <summary>
/// A real RabbitMQ broker (Debian's <c>rabbitmq-server</c>) as a child process of the test, not the system service: its
/// own node name, AMQP and distribution ports on 127.0.0.1, its own Erlang port mapper (epmd, a child process too) on a
/// free port, and its data, logs, config and Erlang cookie in a temp directory. Disposing kills the broker and its epmd.
/// Usable as an xunit class fixture.
/// </summary>
public sealed class RabbitMqServer : Xunit.IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly ConcurrentDictionary<Process, byte> Running = new();

    private readonly TempDirectory _directory = new("rabbitmq");
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private Process? _epmd;
    private int _epmdPort;

    static RabbitMqServer()
    {
        // A safety net for a test host that exits without disposing its fixtures: no broker outlives it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Keys) RedisServer.Kill(process);
        };
    }

    public int Port { get; private set; }

    /// <summary>The broker's AMQP URI (the default <c>guest</c> user, allowed beyond loopback-only checks here).</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>What the broker printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(100));

    /// <summary>The broker's start script, run directly (the /usr/sbin wrapper switches to the rabbitmq system user).</summary>
    public static string? FindExecutable() => Executables.FirstOrDefault(File.Exists);

    private static readonly string[] Executables = ["/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server"];

    public async ValueTask InitializeAsync()
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException(
            "rabbitmq-server was not found at /usr/lib/rabbitmq/bin/rabbitmq-server. Run ./test.sh from the repository root, " +
            "which installs it (apt-get install rabbitmq-server), or install it yourself.");
        Port = FreePort.Get();
        _epmdPort = FreePort.Get();
        var dist = FreePort.Get();
        var root = _directory.Path;
        Directory.CreateDirectory(Path.Combine(root, "home"));
        Directory.CreateDirectory(Path.Combine(root, "mnesia"));
        Directory.CreateDirectory(Path.Combine(root, "log"));
        await File.WriteAllTextAsync(Path.Combine(root, "enabled_plugins"), "[].\n");
        await File.WriteAllTextAsync(Path.Combine(root, "rabbitmq.conf"),
            $"listeners.tcp.1 = 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}\nloopback_users = none\n");

        // Our own port mapper as a child process (not the daemon Erlang would start and leave behind), so disposing stops it.
        var epmdInfo = new ProcessStartInfo("epmd", ["-port", _epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        _epmd = Process.Start(epmdInfo) ?? throw new InvalidOperationException("could not start epmd");
        Running[_epmd] = 0;
        await WaitForPortAsync(_epmdPort);

        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(root, "home"),
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = dist.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(root, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(root, "log"),
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(root, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(root, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(root, "rabbitmq.pid"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        Running[_process] = 0;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var factory = new ConnectionFactory { Uri = Uri };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"rabbitmq-server exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (BrokerUnreachableException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(250);
            }
            catch (BrokerUnreachableException e)
            {
                throw new TimeoutException($"rabbitmq-server did not accept AMQP connections on port {Port} within {StartTimeout}:\n{Output}", e);
            }
        }
    }

    /// <summary>
    /// Messages of <paramref name="queue"/> delivered to a consumer and not yet acknowledged (<c>rabbitmqctl list_queues</c>:
    /// AMQP itself only tells the ready ones).
    /// </summary>
    public async Task<long> UnacknowledgedAsync(string queue, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(FindExecutable()!)!, "rabbitmqctl"),
            ["-n", NodeName, "list_queues", "-q", "--no-table-headers", "name", "messages_unacknowledged"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["HOME"] = Path.Combine(_directory.Path, "home");
        info.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture);
        using var ctl = Process.Start(info) ?? throw new InvalidOperationException("could not start rabbitmqctl");
        var output = await ctl.StandardOutput.ReadToEndAsync(ct);
        var errors = await ctl.StandardError.ReadToEndAsync(ct);
        await ctl.WaitForExitAsync(ct);
        if (ctl.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl list_queues exited with {ctl.ExitCode}: {errors}");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[0] == queue) return long.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"rabbitmqctl did not list queue {queue}: {output}");
    }

    private string NodeName => $"test-{Port.ToString(CultureInfo.InvariantCulture)}@localhost";

    /// <summary>A connection for the test's own publishing and inspection.</summary>
    public Task<IConnection> ConnectAsync(CancellationToken ct = default) => new ConnectionFactory { Uri = Uri }.CreateConnectionAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            RedisServer.Kill(_process);
            Running.TryRemove(_process, out _);
            _process.Dispose();
        }
        if (_epmd is not null)
        {
            RedisServer.Kill(_epmd);
            Running.TryRemove(_epmd, out _);
            _epmd.Dispose();
        }
        _directory.Dispose();
        await Task.CompletedTask;
    }

    private static async Task WaitForPortAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 300) _output.TryDequeue(out _);
    }
}
