#!/usr/bin/python3
"""What reconcile.lua costs the store per fact, on its own: the reconciliation's share of issue #25's bookkeeping,
measured without Ingestion, HTTP or the fold around it, so a change to the script shows through a noisy machine.

Generates the stream benchmark's shape of wallet facts (bets, closing wins, rollbacks of a player's last bet, a few
reversed payments; about half of the rounds never closed, as EventMix leaves them) for one source, sends them to a
fresh redis-server (AOF on, fsync every second, as the benchmarks run it) in calls of 500 facts as ReconciliationStore
does, and prints Redis's time per fact: its commands' own time (INFO commandstats, evalsha) and redis-server's CPU time
(/proc, parsing and AOF included). Each run starts its own redis-server; the best of the runs is the figure (a busy
machine only adds).

Usage: scripts/reconcile-bench.py [--runs 4] [--facts 200000] [--script Ingestion/Reconciliation/reconcile.lua]
                                  [--layout 6|10]
--layout 10 sends the ten arguments a fact of the script before 2026-12-07 took (op, player, transaction, reference,
game, units, currency, time, flag, provider); to compare: git show 3d90749:Ingestion/Reconciliation/reconcile.lua >
/tmp/old.lua && scripts/reconcile-bench.py --script /tmp/old.lua --layout 10. Needs redis-server; Python's standard
library only.
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

US, RS = '\x1f', '\x1e'
PARTS = ["tx:a", "tx:b", "open", "open:z", "wait", "orphan:z", "conflict", "conflict:d", "reversed", "reversed:d", "meta"]
PER_CALL = 500


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port))
        self.file = self.sock.makefile('rb')

    def call(self, *args):
        out = [b'*%d\r\n' % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b'$%d\r\n%s\r\n' % (len(a), a))
        self.sock.sendall(b''.join(out))
        return self.read()

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b'+':
            return rest.decode()
        if kind == b'-':
            raise RuntimeError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b'*':
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError('unexpected reply %r' % line)


def facts(count, seed=42, players=50_000):
    """(op, player, transaction, reference, game, units, currency, time ms, flag, provider), EventMix's proportions."""
    rng, last, now, out = random.Random(seed), {}, 1_793_000_000_000, []
    for n in range(count):
        p = int(players * rng.random() ** 2)
        player, roll, game, ts = 'p-%06d' % p, rng.randrange(1000), 'pragmatic-gates-%d' % rng.randrange(400), str(now + n * 400)
        if roll < 600 or roll >= 965 or (roll < 930 and not last.get(p)):
            last[p] = n
            out.append(('bet', player, 'tx-%d' % n, 'r-%d' % n, game, str(rng.randrange(10, 2000)), 'EUR', ts, '', 'pragmatic'))
        elif roll < 930:
            units = '0' if rng.random() < .6 else str(rng.randrange(10, 6000))
            out.append(('win', player, 'tx-%d' % n, 'r-%d' % last[p], game, units, 'EUR', ts, '1', 'pragmatic'))
            last[p] = 0
        elif roll < 937 and last.get(p):
            out.append(('rb', player, 'rb-%d' % n, 'tx-%d' % last[p], '', '0', '', ts, '', 'pragmatic'))
            last[p] = 0
        elif roll < 960 and rng.random() < 0.02:
            out.append(('pay', player, 'dep-%d' % n, 'dep', '', '100000', 'EUR', ts, 'chargeback', 'psp-a'))
    return out


def six(f):
    """A fact as ReconciliationStore.Put sends it to the current script."""
    op, player, tx, ref, game, units, currency, ts, flag, provider = f
    if op == 'bet':
        return ['b', tx, ref, ts, RS.join(['bet', player, ref, game, units, currency]), US.join([ts, player, tx, game, provider])]
    if op == 'win':
        return ['c' if flag == '1' else 'w', tx, ref, ts, RS.join(['win', player, ref, game, units, currency]), '']
    if op == 'rb':
        return ['r', tx, ref, ts, RS.join(['rb', player, ref]), US.join([player, tx, ts, provider])]
    return ['p', tx + US + flag, '', ts, '', US.join([player, tx, ref, flag, units, currency, provider])]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(script, layout, all_facts):
    workdir, port = tempfile.mkdtemp(prefix='reconcile-bench-'), free_port()
    server = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--dir', workdir, '--save', '',
                               '--appendonly', 'yes', '--appendfsync', 'everysec'], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                r = Redis(port)
                r.call('PING')
                break
            except (ConnectionRefusedError, RuntimeError):
                time.sleep(0.05)
        sha = r.call('SCRIPT', 'LOAD', script)
        keys = ['{rc:/bench}:' + p for p in PARTS]
        ticks = os.sysconf('SC_CLK_TCK')

        def cpu():
            with open('/proc/%d/stat' % server.pid) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks

        r.call('CONFIG', 'RESETSTAT')
        before = cpu()
        for at in range(0, len(all_facts), PER_CALL):
            args = ['EVALSHA', sha, len(keys), *keys, 1_793_000_000_000 + at, 48 * 3_600_000, 7 * 24 * 3_600_000]
            for f in all_facts[at:at + PER_CALL]:
                args += six(f) if layout == 6 else list(f)
            r.call(*args)
        used = cpu() - before
        stats = r.call('INFO', 'commandstats').decode()
        usec = next(int(line.split('usec=')[1].split(',')[0]) for line in stats.splitlines() if line.startswith('cmdstat_evalsha:'))
        return usec / len(all_facts), used * 1e6 / len(all_facts)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runs', type=int, default=4)
    parser.add_argument('--facts', type=int, default=200_000)
    parser.add_argument('--script', default=os.path.join(root, 'Ingestion/Reconciliation/reconcile.lua'))
    parser.add_argument('--layout', type=int, choices=[6, 10], default=6)
    a = parser.parse_args()
    if a.runs < 1 or a.facts < 1:
        parser.error('--runs and --facts must be positive')
    if shutil.which('redis-server') is None:
        sys.exit('reconcile-bench.py: redis-server is not on PATH (apt-get install -y redis-server)')
    with open(a.script) as f:
        script = f.read()
    stream = facts(a.facts)
    print('%s, %d-argument layout: %d facts (%d bets) in calls of %d, %d run(s), load average %s' % (
        os.path.relpath(a.script, root), a.layout, len(stream), sum(f[0] == 'bet' for f in stream), PER_CALL, a.runs,
        ' '.join(open('/proc/loadavg').read().split()[:3])))
    results = []
    for i in range(a.runs):
        own, cpu = run(script, a.layout, stream)
        results.append((own, cpu))
        print('run %d: %.2f µs per fact in the script (commandstats), %.2f µs of redis-server CPU' % (i + 1, own, cpu))
    print('best: %.2f µs per fact in the script, %.2f µs of redis-server CPU (runs %.2f–%.2f µs CPU)' % (
        min(r[0] for r in results), min(r[1] for r in results), min(r[1] for r in results), max(r[1] for r in results)))


if __name__ == '__main__':
    main()
