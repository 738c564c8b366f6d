#!/usr/bin/python3
"""A bounded overload run of vakwijzerd on loopback (issue 10).

Starts vakwijzerd on the demo data in a temporary folder and measures, in one
run that stops by itself (about a minute):

  1. unloaded: one client, CALLS sequential calls of the chosen RPC: p50, p99;
  2. capacity: 2 x cores clients in a closed loop for a few seconds: calls/s;
  3. overload: calls offered open-loop at 10 x that capacity for SECONDS:
     admitted calls' p50 / p99, refused calls (RESOURCE_EXHAUSTED, with the
     retry hint), any other status; vakwijzerd's peak threads and RSS;
  4. stalled streams: 1,000 ImportRecords streams that never send: how many
     were admitted and refused, peak threads and RSS, and whether the
     admitted ones were ended by the stall limit;
  5. the server still answers a health check and one more call.

Run from the repository root after building (scripts/build.sh):

  /usr/bin/python3 benchmarks/overload/overload.py [--max_calls=N ...]

Exit status 1 when the server died, a call failed with another status than
RESOURCE_EXHAUSTED, or no call was refused under overload.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid):
    """(threads, RSS MiB) of a process."""
    threads, rss = 0, 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return threads, rss


class Peak:
    """Samples a process's threads and RSS every 50 ms while active."""

    def __init__(self, pid):
        self.pid, self.threads, self.rss = pid, 0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t, r = proc_stat(self.pid)
            self.threads, self.rss = max(self.threads, t), max(self.rss, r)
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build_dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rpc", default="plan",
                        choices=["plan", "mentor", "gap"],
                        help="the call to load: PlanTeamTraining over the demo "
                             "organisation, a mentor Match, or a gap report")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--server_flags", default="",
                        help="extra vakwijzerd flags, e.g. '--max_calls=8'")
    args = parser.parse_args()
    sys.path[:0] = [os.path.join(args.build_dir, "clients/python/gen")]
    import grpc
    from vakwijzer.v1 import (match_pb2, service_pb2, service_pb2_grpc,
                              team_pb2)

    work = tempfile.mkdtemp(prefix="vw-overload-")
    port = free_port()
    binary = os.path.join(args.build_dir, "services/vakwijzerd")
    flags = ["--stream_stall_seconds=3"] + args.server_flags.split()
    proc = subprocess.Popen(
        [binary, f"--listen=127.0.0.1:{port}", f"--data_dir={work}/data",
         f"--framework_dir={ROOT}/data/frameworks",
         f"--demo_file={ROOT}/data/demo/demo.textproto",
         f"--demo_catalog_file={ROOT}/data/demo/catalog.textproto",
         "--grace_seconds=2"] + flags,
        stdout=open(f"{work}/vakwijzerd.log", "w"), stderr=subprocess.STDOUT)
    failures = []
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        health = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda b: b, response_deserializer=lambda b: b)
        deadline = time.monotonic() + 60
        while True:
            try:
                if health(b"", timeout=1) == b"\x08\x01":
                    break
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("vakwijzerd did not become SERVING")
            time.sleep(0.05)
        profiles = service_pb2_grpc.ProfileServiceStub(channel)
        match = service_pb2_grpc.MatchServiceStub(channel)
        team = service_pb2_grpc.TeamServiceStub(channel)
        org = "organizations/demo"
        if args.rpc == "plan":
            request = team_pb2.PlanTeamTrainingRequest(budget_cost=5000)
            request.selector.parent = org
            method = team.PlanTeamTraining
        elif args.rpc == "mentor":
            request = match_pb2.MatchRequest(
                parent=org, matcher="mentor", subject=f"{org}/people/sw-001")
            method = match.Match
        else:
            request = service_pb2.GetGapReportRequest(
                name=f"{org}/people/sw-001")
            method = profiles.GetGapReport

        def timed_call():
            t0 = time.perf_counter()
            method(request, timeout=30)
            return (time.perf_counter() - t0) * 1000

        # 1. Unloaded.
        for _ in range(20):
            timed_call()
        unloaded = [timed_call() for _ in range(args.calls)]

        # 2. Capacity: a closed loop of 2 x cores clients.
        clients = 2 * (os.cpu_count() or 2)
        done = [0]
        stop = threading.Event()
        lock = threading.Lock()

        def loop():
            while not stop.is_set():
                method(request, timeout=30)
                with lock:
                    done[0] += 1

        threads = [threading.Thread(target=loop) for _ in range(clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(4)
        stop.set()
        for t in threads:
            t.join()
        capacity = done[0] / (time.monotonic() - t0)

        # 3. Overload: open loop at 10 x capacity.
        rate = 10 * capacity
        results = []  # (ok, code, ms, hint)
        pending = threading.Semaphore(20000)

        def finished(future, start):
            ms = (time.perf_counter() - start) * 1000
            code = future.code()
            hint = None
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                hint = dict(future.trailing_metadata() or ()).get(
                    "grpc-retry-pushback-ms")
            results.append((code == grpc.StatusCode.OK, code, ms, hint))
            pending.release()

        offered = 0
        with Peak(proc.pid) as overload_peak:
            t0 = time.perf_counter()
            while (now := time.perf_counter()) - t0 < args.seconds:
                due = int((now - t0) * rate)
                while offered < due:
                    pending.acquire()
                    start = time.perf_counter()
                    future = method.future(request, timeout=30)
                    future.add_done_callback(
                        lambda f, s=start: finished(f, s))
                    offered += 1
                time.sleep(0.001)
            for _ in range(20000):
                pending.acquire()
        admitted = [ms for ok, _, ms, _ in results if ok]
        refused = [r for r in results
                   if r[1] == grpc.StatusCode.RESOURCE_EXHAUSTED]
        others = {}
        for _, code, _, _ in results:
            if code not in (grpc.StatusCode.OK,
                            grpc.StatusCode.RESOURCE_EXHAUSTED):
                others[code.name] = others.get(code.name, 0) + 1
        hints = {h for *_, h in refused}

        # 4. Stalled streams.
        never = threading.Event()

        def silent():
            never.wait()
            return
            yield  # a generator that sends nothing until released

        streams = []
        with Peak(proc.pid) as stall_peak:
            for _ in range(args.streams):
                streams.append(profiles.ImportRecords.future(silent(),
                                                             timeout=60))
            time.sleep(1)
            stall_threads, stall_rss = proc_stat(proc.pid)
            t_stall = time.monotonic()
            while (time.monotonic() - t_stall < 20 and
                   not all(f.done() for f in streams)):
                time.sleep(0.1)
        never.set()
        stream_codes = {}
        for f in streams:
            code = f.code() if f.done() else None
            name = code.name if code else "STILL OPEN"
            stream_codes[name] = stream_codes.get(name, 0) + 1

        # 5. Still up.
        alive = proc.poll() is None and health(b"", timeout=5) == b"\x08\x01"
        after = timed_call() if alive else float("nan")

        print(f"vakwijzerd flags: {' '.join(flags)}; rpc: {args.rpc}; "
              f"cores: {os.cpu_count()}")
        print("| figure | value |")
        print("|---|---|")
        print(f"| unloaded p50 / p99 ({args.calls} calls, one client) | "
              f"{pct(unloaded, .5):.2f} / {pct(unloaded, .99):.2f} ms |")
        print(f"| capacity ({clients} clients, closed loop) | "
              f"{capacity:.0f} calls/s |")
        print(f"| offered under overload | {offered} calls in "
              f"{args.seconds:.0f} s ({rate:.0f}/s, 10x) |")
        print(f"| admitted / refused (RESOURCE_EXHAUSTED) / other | "
              f"{len(admitted)} / {len(refused)} / "
              f"{sum(others.values())} {others or ''} |")
        print(f"| admitted p50 / p99 under overload | "
              f"{pct(admitted, .5):.2f} / {pct(admitted, .99):.2f} ms "
              f"({pct(admitted, .99) / pct(unloaded, .99):.2f}x unloaded p99) |")
        print(f"| retry hints on refused calls | {sorted(map(str, hints))} |")
        print(f"| vakwijzerd peak under overload | {overload_peak.threads} "
              f"threads, {overload_peak.rss:.0f} MiB |")
        print(f"| {args.streams} stalled ImportRecords streams: outcomes | "
              f"{stream_codes} |")
        print(f"| vakwijzerd with them open (1 s in) / peak | {stall_threads} "
              f"threads, {stall_rss:.0f} MiB / {stall_peak.threads} threads, "
              f"{stall_peak.rss:.0f} MiB |")
        print(f"| afterwards | {'serving' if alive else 'DOWN'}, one call "
              f"{after:.2f} ms |")
        if not alive:
            failures.append("the server is down")
        if others:
            failures.append(f"unexpected statuses {others}")
        if not refused:
            failures.append("nothing was refused under overload")
        channel.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
