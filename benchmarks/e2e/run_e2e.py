#!/usr/bin/python3
"""End-to-end benchmark of Vakwijzer beside PostgreSQL 15 (issue 8).

Generates an organisation of N people with about 150 ratings each, loads it
into a fresh vakwijzerd through the public gRPC API and into a fresh
PostgreSQL 15 cluster (COPY, indexes, ANALYZE), then measures over loopback
and prints one table "figure | Vakwijzer | peer | ratio":

  load time; mentor Match p50/p99 beside the same top 10 in SQL (checked:
  AGREE/DISAGREE) and beside the floor (a single-thread scan of the level
  bytes, build/benchmarks/e2e_raw scan, + a Health.Check); ScoreTeam summary
  beside GROUP BY (checked); training Match p50 beside Health.Check p50;
  RecordAssessment throughput at 16 clients beside synced raw RocksDB writes
  (e2e_raw puts) and 16 pgbench clients; AssignMentors at 1,000 / 2,000 /
  10,000 people beside the all-pairs mentor scores in SQL; restart to the
  first answered Match beside a PostgreSQL restart to the first answered
  query; resident memory and disk.

Run from the repository root after building vakwijzerd, the Python stubs and
e2e_raw and vwload (docs/benchmarks.md):

  /usr/bin/python3 benchmarks/e2e/run_e2e.py --people=200 --quick   # smoke
  /usr/bin/python3 benchmarks/e2e/run_e2e.py --people=2000 --quick
  /usr/bin/python3 benchmarks/e2e/run_e2e.py                         # 100,000

Exit status 1 when any answer disagrees.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

ORG = "bench"
SEED = 8
RATED_SHARE = 0.95  # of a track's indicators: HBO 159 -> ~151, MBO 145 -> ~138
ASSESS_TIME = "2026-01-15T10:00:00Z"
VOORBEELD_BONUS = 0.5  # the mentor matcher's default, checked at run time
TOL = 1e-9


def log(*args):
    print(f"[{time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def pct(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# The organisation (deterministic: person i is drawn from its own seed)

class Framework:
    def __init__(self, fw):
        self.name = fw.name
        self.max_level = max(l.level for l in fw.scale.levels)
        self.stage_target = {s.id: s.target_level for s in fw.stages}
        self.default_stage = fw.default_stage
        self.tracks = [t.id for t in fw.tracks]
        # Ordinals: every indicator in file order (both tracks), as the
        # service's FrameworkIndex numbers them (only used for our own files).
        self.indicators = []  # (ordinal, id, track, competency, cluster)
        for cl in fw.clusters:
            for comp in cl.competencies:
                for ind in comp.indicators:
                    self.indicators.append(
                        (len(self.indicators), ind.id, ind.track, comp.code, cl.code))
        self.by_track = {t: [i for i in self.indicators if i[2] == t] for t in self.tracks}
        self.competencies = []
        for cl in fw.clusters:
            for comp in cl.competencies:
                self.competencies.append(comp.code)


def person(i, fwk):
    rng = random.Random(SEED * 1_000_003 + i)
    track = fwk.tracks[0] if rng.random() < 0.6 or len(fwk.tracks) == 1 else fwk.tracks[1]
    stage = "startbekwaam" if rng.random() < 0.2 else "vakvolwassen"
    team = f"team-{rng.randrange(20)}"
    capacity = rng.choice([0, 0, 1, 2, 3])
    mu = rng.uniform(1.0, 3.6)
    ratings = []
    for ordinal, ind_id, _, _, _ in fwk.by_track[track]:
        if rng.random() < RATED_SHARE:
            ratings.append((ordinal, ind_id, max(0, min(fwk.max_level, round(rng.gauss(mu, 0.9))))))
    return {
        "i": i, "id": f"p{i:06d}", "track": track, "stage": stage,
        "target": fwk.stage_target[stage], "team": team,
        "capacity": capacity, "ratings": ratings,
    }


def write_files(n, fwk, work):
    """people.csv, ratings.csv (for COPY), levels.bin (for the floor)."""
    nord = len(fwk.indicators)
    stride = 2 + nord
    track_index = {t: k for k, t in enumerate(fwk.tracks)}
    meta = []  # per person: (id, track, target, capacity)
    total = 0
    with open(os.path.join(work, "people.csv"), "w") as pf, \
            open(os.path.join(work, "ratings.csv"), "w") as rf, \
            open(os.path.join(work, "levels.bin"), "wb") as lf:
        for i in range(1, n + 1):
            p = person(i, fwk)
            pf.write(f"{i},{p['id']},{p['track']},{p['target']},{p['capacity']},{p['team']}\n")
            row = bytearray([255]) * stride
            row[0] = track_index[p["track"]]
            row[1] = 1 if p["capacity"] > 0 else 0
            lines = []
            for ordinal, _, level in p["ratings"]:
                lines.append(f"{i},{ordinal},{level}\n")
                row[2 + ordinal] = level
            rf.write("".join(lines))
            lf.write(bytes(row))
            total += len(p["ratings"])
            meta.append((p["id"], p["track"], p["target"], p["capacity"]))
    return meta, total, stride


# --------------------------------------------------------------------------
# gRPC

class Api:
    def __init__(self, target):
        import grpc
        from vakwijzer.v1 import service_pb2_grpc
        self.grpc = grpc
        self.channel = grpc.insecure_channel(
            target, options=[("grpc.max_receive_message_length", 256 << 20),
                     # reconnect at once after a restart, so restart time is
                     # not backoff (min_reconnect_backoff_ms stays at its
                     # default: it is also the connect timeout, and the
                     # handshake waits until the server has loaded)
                     ("grpc.use_local_subchannel_pool", 1),
                     ("grpc.initial_reconnect_backoff_ms", 10),
                     ("grpc.max_reconnect_backoff_ms", 50)])
        self.profiles = service_pb2_grpc.ProfileServiceStub(self.channel)
        self.catalog = service_pb2_grpc.CatalogServiceStub(self.channel)
        self.match = service_pb2_grpc.MatchServiceStub(self.channel)
        self.team = service_pb2_grpc.TeamServiceStub(self.channel)
        self.frameworks = service_pb2_grpc.FrameworkServiceStub(self.channel)
        self.health = self.channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda b: b, response_deserializer=lambda b: b)

    def serving(self):
        try:
            return self.health(b"", timeout=2) == b"\x08\x01"
        except self.grpc.RpcError:
            return False

    def close(self):
        self.channel.close()


def pb():
    from vakwijzer.v1 import (catalog_pb2, framework_pb2, match_pb2,
                              profile_pb2, service_pb2, team_pb2)
    return catalog_pb2, framework_pb2, match_pb2, profile_pb2, service_pb2, team_pb2


class Daemon:
    def __init__(self, binary, data_dir, port, log_path):
        self.binary, self.data_dir, self.port, self.log_path = binary, data_dir, port, log_path
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, f"--listen=127.0.0.1:{self.port}", f"--data_dir={self.data_dir}",
             "--demo_file=", f"--framework_dir={ROOT}/data/frameworks", "--grace_seconds=2"],
            stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def wait_serving(api, timeout=600):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if api.serving():
            return
        time.sleep(0.02)
    raise RuntimeError("vakwijzerd did not become SERVING")


def person_messages(p, fwk):
    _, _, _, profile_pb2, service_pb2, _ = pb()
    from google.protobuf import timestamp_pb2
    profile = profile_pb2.Profile(track=p["track"], target_stage=p["stage"], teams=[p["team"]],
                                  mentoring_capacity=p["capacity"])
    ts = timestamp_pb2.Timestamp()
    ts.FromJsonString(ASSESS_TIME)
    assessment = profile_pb2.Assessment(rater_role=profile_pb2.MANAGER, rater=f"m-{p['team']}",
                                        assess_time=ts)
    for _, ind_id, level in p["ratings"]:
        assessment.ratings.add(indicator=ind_id, level=level)
    return profile, assessment


def load_api(api, org, people_ids, fwk, clients=16):
    """Per-record API: CreateProfile + RecordAssessment per person, 16 threads."""
    _, _, _, _, service_pb2, _ = pb()

    def one(i):
        p = person(i, fwk)
        profile, assessment = person_messages(p, fwk)
        api.profiles.CreateProfile(service_pb2.CreateProfileRequest(
            parent=f"organizations/{org}", profile_id=p["id"], profile=profile), timeout=120)
        api.profiles.RecordAssessment(service_pb2.RecordAssessmentRequest(
            parent=f"organizations/{org}/people/{p['id']}", assessment_id="intake",
            assessment=assessment), timeout=120)

    with cf.ThreadPoolExecutor(clients) as ex:
        for _ in ex.map(one, people_ids):
            pass


def bulk_available(api):
    _, _, _, _, service_pb2, _ = pb()
    return hasattr(service_pb2, "ImportRecordsRequest") and hasattr(api.profiles, "ImportRecords")


def load_bulk(api, org, people_ids, fwk, batch=1000):
    """ProfileService.ImportRecords (client streaming), batches of 1,000 records."""
    _, _, _, _, service_pb2, _ = pb()

    def batches():
        records = []
        for i in people_ids:
            p = person(i, fwk)
            profile, assessment = person_messages(p, fwk)
            records.append(service_pb2.ImportRecord(person=service_pb2.ImportPersonRecord(
                profile_id=p["id"], profile=profile, create_only=True)))
            records.append(service_pb2.ImportRecord(assessment=service_pb2.ImportAssessmentRecord(
                person_id=p["id"], assessment_id="intake", assessment=assessment)))
            if len(records) >= batch:
                yield service_pb2.ImportRecordsRequest(parent=f"organizations/{org}", records=records)
                records = []
        if records:
            yield service_pb2.ImportRecordsRequest(parent=f"organizations/{org}", records=records)

    r = api.profiles.ImportRecords(batches(), timeout=7200)
    if r.error_count:
        raise RuntimeError(f"ImportRecords: {r.error_count} errors, first {list(r.errors)[:3]}")


def load(api, org, people_ids, fwk, method):
    """The one load function: 'bulk' (ImportRecords) or 'api' (per record)."""
    if method == "bulk":
        load_bulk(api, org, people_ids, fwk)
    else:
        load_api(api, org, people_ids, fwk)


def create_modules(api, org, fwk, count=50):
    catalog_pb2, _, _, _, service_pb2, _ = pb()
    rng = random.Random(SEED)
    for m in range(count):
        module = catalog_pb2.TrainingModule(
            title=f"Module {m}", format=rng.choice(["online", "klassikaal", "blended"]),
            language="nl", hours=rng.randint(2, 40), cost=rng.randint(0, 1500))
        for _ in range(4):
            if rng.random() < 0.5:
                module.develops.add(competency=rng.choice(fwk.competencies), level=rng.choice([3, 4]))
            else:
                module.develops.add(indicator=rng.choice(fwk.indicators)[1], level=rng.choice([3, 4]))
        api.catalog.CreateModule(service_pb2.CreateModuleRequest(
            parent=f"organizations/{org}", module_id=f"m{m:03d}", module=module))


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


# --------------------------------------------------------------------------
# PostgreSQL 15

PG_BIN = "/usr/lib/postgresql/15/bin"


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.user = None
        if os.geteuid() == 0:
            self.user = "nobody"  # PostgreSQL refuses to run as root
        os.makedirs(self.sock)
        if self.user:
            shutil.chown(self.dir, self.user)
            shutil.chown(self.sock, self.user)
            os.chmod(work, 0o755)

    def _as_user(self, cmd):
        return (["runuser", "-u", self.user, "--"] + cmd) if self.user else cmd

    def init(self):
        subprocess.run(self._as_user([f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust",
                                      "-U", "bench", "--no-sync", "-E", "UTF8", "--locale=C"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"""
listen_addresses = ''
unix_socket_directories = '{self.sock}'
shared_buffers = '1GB'
work_mem = '64MB'
maintenance_work_mem = '512MB'
wal_level = minimal
max_wal_senders = 0
max_wal_size = '4GB'
fsync = on
synchronous_commit = on
jit = off
""")

    def start(self, wait=True):
        subprocess.run(self._as_user([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l",
                                      os.path.join(self.dir, "log"), "start"] + (["-w"] if wait else ["-W"])),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")

    def stop(self):
        subprocess.run(self._as_user([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def psql(self, sql, check=True, timing=False):
        args = [f"{PG_BIN}/psql", "-h", self.sock, "-U", "bench", "-d", "postgres", "-X", "-q",
                "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "|"]
        pre = "\\timing on\n" if timing else ""
        r = subprocess.run(args, input=pre + sql, text=True, capture_output=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr[-2000:]}")
        return r.stdout

    def pss_mib(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            pm = int(f.readline())
        pids = [pm] + [int(x) for x in subprocess.run(["ps", "-o", "pid=", "--ppid", str(pm)],
                                                       capture_output=True, text=True).stdout.split()]
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024


SCHEMA = """
CREATE TABLE indicators (ord int PRIMARY KEY, id text NOT NULL, track text NOT NULL,
                         comp text NOT NULL, cluster text NOT NULL);
BEGIN;
CREATE TABLE people (pid int NOT NULL, id text COLLATE "C" NOT NULL, track text NOT NULL,
                     target int NOT NULL, mentoring_capacity int NOT NULL, team text NOT NULL);
CREATE TABLE ratings (pid int NOT NULL, ind smallint NOT NULL, level smallint NOT NULL);
\\copy people FROM '{work}/people.csv' WITH (FORMAT csv)
\\copy ratings FROM '{work}/ratings.csv' WITH (FORMAT csv)
COMMIT;
"""

INDEXES = """
ALTER TABLE people ADD PRIMARY KEY (pid);
CREATE UNIQUE INDEX people_id ON people (id);
ALTER TABLE ratings ADD PRIMARY KEY (pid, ind);
CREATE INDEX ratings_ind ON ratings (ind) INCLUDE (pid, level);
-- The competency means the mentor matcher compares (each person on their own
-- track), kept as a table with an index, like the service keeps levels.
CREATE TABLE comp_levels AS
  SELECT r.pid, i.comp, avg(r.level::float8) AS lvl
  FROM ratings r JOIN indicators i ON i.ord = r.ind GROUP BY r.pid, i.comp;
ALTER TABLE comp_levels ADD PRIMARY KEY (pid, comp);
CREATE INDEX comp_levels_comp ON comp_levels (comp, lvl) INCLUDE (pid);
ANALYZE;
CHECKPOINT;
"""

# The mentor matcher's score (plugins/mentor/mentor_matcher.cc, competency
# granularity, threshold = the mentee's target, lambda 1): gap units are the
# competencies where the mentee's mean known level is below target;
# score(m) = sum over units of gap * [m's mean >= threshold] * (1 + bonus *
# [m's mean >= max level]); self and people without mentoring capacity out;
# top 10 by score, ties by person id (resource-name order).
MENTOR_SQL_RAW = """
PREPARE mentor_raw(text) AS
WITH m AS (SELECT pid, target FROM people WHERE id = $1),
mc AS (SELECT i.comp, avg(r.level::float8) AS lvl FROM ratings r JOIN indicators i ON i.ord = r.ind
       WHERE r.pid = (SELECT pid FROM m) GROUP BY i.comp),
g AS (SELECT comp, (SELECT target FROM m) - lvl AS gap FROM mc WHERE lvl < (SELECT target FROM m)),
c AS (SELECT r.pid, i.comp, avg(r.level::float8) AS lvl FROM ratings r JOIN indicators i ON i.ord = r.ind
      WHERE i.comp IN (SELECT comp FROM g) GROUP BY r.pid, i.comp)
SELECT p.id, sum(g.gap * CASE WHEN c.lvl >= {maxl} THEN {fac} ELSE 1.0 END) AS score
FROM c JOIN g USING (comp) JOIN people p ON p.pid = c.pid
WHERE c.lvl >= (SELECT target FROM m) AND p.pid <> (SELECT pid FROM m) AND p.mentoring_capacity > 0
GROUP BY p.id ORDER BY round(sum(g.gap * CASE WHEN c.lvl >= {maxl} THEN {fac} ELSE 1.0 END)::numeric, 9) DESC, p.id
LIMIT 10;
"""

MENTOR_SQL_CL = """
PREPARE mentor_cl(text) AS
WITH m AS (SELECT pid, target FROM people WHERE id = $1),
g AS (SELECT comp, m.target - lvl AS gap, m.target FROM comp_levels, m
      WHERE comp_levels.pid = m.pid AND lvl < m.target)
SELECT p.id, sum(g.gap * CASE WHEN c.lvl >= {maxl} THEN {fac} ELSE 1.0 END) AS score
FROM g JOIN comp_levels c ON c.comp = g.comp AND c.lvl >= g.target
JOIN people p ON p.pid = c.pid
WHERE p.pid <> (SELECT pid FROM m) AND p.mentoring_capacity > 0
GROUP BY p.id ORDER BY round(sum(g.gap * CASE WHEN c.lvl >= {maxl} THEN {fac} ELSE 1.0 END)::numeric, 9) DESC, p.id
LIMIT 10;
"""

# ScoreTeam's summary (services/core/team_manager.cc) for the whole
# organisation: per indicator people on its track, unknown, mean gap and
# share at target over the rated, distribution over floor(level), bus factor;
# then per competency, cluster and overall.
TEAM_SQL = """
PREPARE team AS
WITH pc AS (SELECT track, count(*) AS n FROM people GROUP BY track),
ind AS (
  SELECT i.ord, i.id, i.comp, i.cluster, pc.n AS people, count(r.pid) AS rated,
         coalesce(sum(greatest(0, p.target - r.level)), 0)::float8 AS gap,
         count(*) FILTER (WHERE r.level >= p.target) AS at_target,
         count(*) FILTER (WHERE r.level = 0) AS d0, count(*) FILTER (WHERE r.level = 1) AS d1,
         count(*) FILTER (WHERE r.level = 2) AS d2, count(*) FILTER (WHERE r.level = 3) AS d3,
         count(*) FILTER (WHERE r.level = 4) AS d4
  FROM indicators i JOIN pc ON pc.track = i.track
  LEFT JOIN ratings r ON r.ind = i.ord LEFT JOIN people p ON p.pid = r.pid
  GROUP BY i.ord, i.id, i.comp, i.cluster, pc.n)
SELECT 'i', id, people, people - rated, CASE WHEN rated > 0 THEN gap / rated ELSE 0 END,
       CASE WHEN rated > 0 THEN at_target::float8 / rated ELSE 0 END,
       concat_ws(',', d0, d1, d2, d3, d4), at_target
FROM ind
UNION ALL
SELECT CASE WHEN GROUPING(comp) = 0 THEN 'c' WHEN GROUPING(cluster) = 0 THEN 'k' ELSE 'o' END,
       coalesce(comp, cluster, 'overall'), NULL, sum(people - rated),
       CASE WHEN sum(rated) > 0 THEN sum(gap) / sum(rated) ELSE 0 END,
       CASE WHEN sum(rated) > 0 THEN sum(at_target)::float8 / sum(rated) ELSE 0 END,
       NULL, min(at_target)
FROM ind GROUP BY GROUPING SETS ((comp), (cluster), ());
"""

# AssignMentors' work before the flow solve: the mentor score of every
# (mentee, mentor) pair among the first s people.
EDGES_SQL = """
WITH pp AS (SELECT * FROM people WHERE pid <= {s}),
g AS (SELECT c.pid AS mentee, c.comp, pp.target - c.lvl AS gap, pp.target
      FROM comp_levels c JOIN pp USING (pid) WHERE c.pid <= {s} AND c.lvl < pp.target)
SELECT count(*), coalesce(sum(score), 0) FROM (
  SELECT g.mentee, m.pid, sum(g.gap * CASE WHEN m.lvl >= {maxl} THEN {fac} ELSE 1.0 END) AS score
  FROM g JOIN comp_levels m ON m.comp = g.comp AND m.lvl >= g.target AND m.pid <> g.mentee
  JOIN pp mp ON mp.pid = m.pid AND mp.mentoring_capacity > 0
  GROUP BY g.mentee, m.pid) e;
"""

TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")


def psql_timed_groups(pg, prepare, calls):
    """Runs `calls` [(tag, sql)] after `prepare` in one session with \\timing;
    returns {tag: ([ms...], first result rows)}."""
    script = [prepare]
    for tag, sql in calls:
        script.append(f"\\echo @@{tag}\n{sql}\n")
    out = pg.psql("\n".join(script), timing=True)
    groups, tag, rows = {}, None, []
    for line in out.splitlines():
        if line.startswith("@@"):
            tag = line[2:]
            groups.setdefault(tag, ([], None))
            rows = []
            continue
        m = TIME_RE.match(line)
        if m:
            if tag is None:
                continue  # PREPARE
            times, first = groups[tag]
            times.append(float(m.group(1)))
            if first is None:
                groups[tag] = (times, rows)
            rows = []
        elif tag is not None and line.strip():
            rows.append(line.split("|"))
    return groups


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=100000)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, shorter write tests")
    ap.add_argument("--load", choices=["auto", "bulk", "api"], default="auto",
                    help="auto: ImportRecords when the stubs and server have it, else per record")
    ap.add_argument("--build_dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work_dir", default="", help="default: a new folder in /tmp, removed at the end")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--out", default="", help="the table is also written here (default WORK/e2e.md)")
    ap.add_argument("--skip_pg", action="store_true")
    ap.add_argument("--assign_sizes", default="1000,2000,10000",
                    help="organisation sizes for AssignMentors (those <= N; empty: none)")
    args = ap.parse_args()
    n = args.people
    quick = args.quick

    sys.path[:0] = [os.path.join(args.build_dir, "clients/python/gen")]
    vakwijzerd = os.path.join(args.build_dir, "services/vakwijzerd")
    raw = os.path.join(args.build_dir, "benchmarks/e2e_raw")
    vwload_bin = os.path.join(args.build_dir, "benchmarks/vwload")
    for b in (vakwijzerd, raw, vwload_bin):
        if not os.access(b, os.X_OK):
            sys.exit(f"missing {b}: cmake --build {args.build_dir} --target vakwijzerd vakwijzer_python e2e_raw vwload")
    catalog_pb2, framework_pb2, match_pb2, profile_pb2, service_pb2, team_pb2 = pb()

    work = args.work_dir or tempfile.mkdtemp(prefix="vakwijzer-e2e-")
    os.makedirs(work, exist_ok=True)
    out_path = args.out or os.path.join(work, "e2e.md")
    rows = []  # (figure, vakwijzer, peer, ratio)
    checks = []  # (what, ok, detail)
    started = time.time()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log(f"N={n} quick={quick} work={work}; {uptime}")

    def row(figure, vak, peer, unit, higher_better=False, vfmt="{:.3f}", pfmt=None):
        pfmt = pfmt or vfmt
        vs = "n/a" if vak is None else (vfmt.format(vak) + f" {unit}" if isinstance(vak, (int, float)) else str(vak))
        ps = "n/a" if peer is None else (pfmt.format(peer) if isinstance(peer, (int, float)) else str(peer))
        if isinstance(peer, (int, float)):
            ps += f" {unit}"
        ratio = ""
        if isinstance(vak, (int, float)) and isinstance(peer, (int, float)) and peer and vak:
            ratio = f"{vak / peer:.2f}×"
        rows.append((figure, vs, ps, ratio))
        log(f"{figure}: {vs} | {ps} | {ratio}")

    # -- the daemon
    port = free_port()
    daemon = Daemon(vakwijzerd, os.path.join(work, "vakwijzer-data"), port, os.path.join(work, "vakwijzerd.log"))
    daemon.start()
    api = Api(f"127.0.0.1:{port}")
    pg = None
    try:
        wait_serving(api)
        fw = api.frameworks.GetFramework(service_pb2.GetFrameworkRequest(name="frameworks/sfd-2021"))
        fwk = Framework(fw)
        info = [m for m in api.match.ListMatchers(match_pb2.ListMatchersRequest()).matchers
                if m.name == "mentor"][0]
        bonus = float([p.default_value for p in info.parameters if p.name == "voorbeeld_bonus"][0])
        assert bonus == VOORBEELD_BONUS, bonus

        # -- generate
        t0 = time.monotonic()
        meta, total_ratings, stride = write_files(n, fwk, work)
        log(f"generated {n} people, {total_ratings} ratings ({total_ratings / n:.1f} per person) "
            f"in {time.monotonic() - t0:.1f} s")

        # -- load through the API
        method = args.load
        if method == "auto":
            method = "bulk" if bulk_available(api) else "api"
        create_modules(api, ORG, fwk)
        t0 = time.monotonic()
        try:
            load(api, ORG, range(1, n + 1), fwk, method)
        except Exception as e:  # noqa: BLE001
            if args.load != "auto" or method != "bulk":
                raise
            log(f"bulk load failed ({e}); falling back to the per-record API")
            method = "api"
            load(api, ORG, range(1, n + 1), fwk, method)
        load_s = time.monotonic() - t0
        log(f"loaded with {method} in {load_s:.1f} s")
        rss_loaded = daemon.rss_mib()

        # -- PostgreSQL: COPY + indexes
        pg_load_s = pg_index_s = None
        if not args.skip_pg:
            pg = Postgres(work)
            pg.init()
            pg.start()
            maxl = fwk.max_level
            fac = 1 + bonus
            ind_rows = "\n".join(f"{o},{i},{t},{c},{k}" for o, i, t, c, k in fwk.indicators)
            with open(os.path.join(work, "indicators.csv"), "w") as f:
                f.write(ind_rows + "\n")
            t0 = time.monotonic()
            pg.psql(SCHEMA.replace("{work}", work) +
                    f"\\copy indicators FROM '{work}/indicators.csv' WITH (FORMAT csv)\n")
            pg_load_s = time.monotonic() - t0
            t0 = time.monotonic()
            pg.psql(INDEXES)
            pg_index_s = time.monotonic() - t0
            log(f"PostgreSQL: COPY {pg_load_s:.1f} s, indexes + comp_levels + ANALYZE {pg_index_s:.1f} s")
        row(f"load {n:,} people, {total_ratings:,} ratings ({method} load vs COPY + indexes + ANALYZE)",
            load_s, None if pg is None else pg_load_s + pg_index_s, "s", vfmt="{:.1f}")

        # -- mentees: 10 people spread over the organisation, with gaps
        rng = random.Random(SEED)
        mentees = sorted(rng.sample(range(1, n + 1), min(10, n)))
        mentee_ids = [meta[i - 1][0] for i in mentees]
        reps_per = 3 if quick else 10

        # Health.Check
        health = timed(lambda: api.health(b""), 200 if quick else 2000)
        health_p50 = pct(health, 0.5)

        def mentor(pid):
            return api.match.Match(match_pb2.MatchRequest(
                parent=f"organizations/{ORG}", matcher="mentor",
                subject=f"organizations/{ORG}/people/{pid}"), timeout=120)

        answers = {pid: mentor(pid) for pid in mentee_ids}  # also warms up
        mtimes = []
        for _ in range(reps_per):
            for pid in mentee_ids:
                mtimes += timed(lambda: mentor(pid), 1)
        m_p50, m_p99 = pct(mtimes, 0.5), pct(mtimes, 0.99)

        # floor: the single-thread scan over the level bytes + Health.Check
        floor_ms = None
        first = mentees[0]
        p0 = person(first, fwk)
        spec = build_scan_spec(p0, fwk, bonus, n, stride)
        with open(os.path.join(work, "scan.spec"), "w") as f:
            f.write(spec)
        # the mentee is not a candidate: clear its eligible byte in a copy
        with open(os.path.join(work, "levels.bin"), "rb") as f:
            levels = bytearray(f.read())
        levels[(first - 1) * stride + 1] = 0
        with open(os.path.join(work, "levels-scan.bin"), "wb") as f:
            f.write(levels)
        del levels
        r = subprocess.run([raw, "scan", f"--levels={work}/levels-scan.bin", f"--spec={work}/scan.spec",
                            f"--reps={5 if quick else 20}"], capture_output=True, text=True, check=True)
        scan = json.loads(r.stdout)
        floor_ms = scan["p50_ms"] + health_p50
        svc0 = [(it.name.rsplit("/", 1)[1], it.score) for it in answers[mentee_ids[0]].items]
        floor_top = [(meta[rw][0], sc) for rw, sc in scan["top"]]
        checks.append(compare_top("mentor top 10 of " + mentee_ids[0] + ": service vs byte scan",
                                  svc0, floor_top))

        sql_raw = sql_cl = None
        if pg:
            # the raw variant re-aggregates every rating: fewer repetitions when large
            reps_raw = 1 if n > 20000 else reps_per
            calls = [(pid, f"EXECUTE mentor_raw('{pid}');") for pid in mentee_ids for _ in range(reps_raw)]
            g = psql_timed_groups(pg, MENTOR_SQL_RAW.format(maxl=maxl, fac=fac), calls)
            sql_raw = [t for pid in mentee_ids for t in g[pid][0]]
            for pid in mentee_ids:
                checks.append(compare_top(f"mentor top 10 of {pid}: service vs SQL over ratings",
                                          [(it.name.rsplit("/", 1)[1], it.score) for it in answers[pid].items],
                                          [(a, float(b)) for a, b in g[pid][1]]))
            calls = [(pid, f"EXECUTE mentor_cl('{pid}');") for pid in mentee_ids for _ in range(reps_per)]
            g = psql_timed_groups(pg, MENTOR_SQL_CL.format(maxl=maxl, fac=fac), calls)
            sql_cl = [t for pid in mentee_ids for t in g[pid][0]]
            for pid in mentee_ids:
                checks.append(compare_top(f"mentor top 10 of {pid}: service vs SQL over comp_levels",
                                          [(it.name.rsplit("/", 1)[1], it.score) for it in answers[pid].items],
                                          [(a, float(b)) for a, b in g[pid][1]]))
        row("mentor Match p50 vs SQL over ratings (indexed)", m_p50,
            pct(sql_raw, 0.5) if sql_raw else None, "ms")
        row("mentor Match p50 vs SQL over comp_levels (indexed)", m_p50,
            pct(sql_cl, 0.5) if sql_cl else None, "ms")
        row("mentor Match p99 vs SQL over comp_levels p99", m_p99,
            pct(sql_cl, 0.99) if sql_cl else None, "ms")
        row(f"mentor Match p50 vs floor (1-thread scan of {n * stride / 1e6:.1f} MB of level bytes "
            f"{scan['p50_ms']:.3f} ms + Health.Check)", m_p50, floor_ms, "ms")

        # -- ScoreTeam summary
        def score_team():
            summary = None
            for part in api.team.ScoreTeam(team_pb2.ScoreTeamRequest(
                    selector=team_pb2.TeamSelector(parent=f"organizations/{ORG}")), timeout=300):
                if part.HasField("summary"):
                    summary = part.summary
            return summary

        summary = score_team()
        team_reps = 5 if quick or n > 20000 else 20
        ttimes = timed(score_team, team_reps)
        team_sql = None
        if pg:
            g = psql_timed_groups(pg, TEAM_SQL, [("t", "EXECUTE team;")] * team_reps)
            team_sql = g["t"][0]
            checks.append(compare_team(summary, g["t"][1]))
        row("ScoreTeam summary (whole organisation) p50 vs GROUP BY", pct(ttimes, 0.5),
            pct(team_sql, 0.5) if team_sql else None, "ms")

        # -- training Match beside Health.Check
        def training(pid):
            return api.match.Match(match_pb2.MatchRequest(
                parent=f"organizations/{ORG}", matcher="training",
                subject=f"organizations/{ORG}/people/{pid}"), timeout=60)

        for pid in mentee_ids:
            training(pid)
        tr = []
        for _ in range(reps_per * 3):
            for pid in mentee_ids:
                tr += timed(lambda: training(pid), 1)
        row("training Match p50 (50 modules) vs Health.Check p50", pct(tr, 0.5), health_p50, "ms")

        # -- AssignMentors at 1,000 / 2,000 / 10,000 people
        sizes = [int(x) for x in args.assign_sizes.split(",") if x.strip()]
        for s in ([s for s in sizes if s <= n] or [n]) if sizes else []:
            org = ORG if s == n else f"am{s}"
            if org != ORG:
                t0 = time.monotonic()
                load(api, org, range(1, s + 1), fwk, method)
                log(f"loaded {org} ({s} people) in {time.monotonic() - t0:.1f} s")
            req = team_pb2.AssignMentorsRequest(mentees=team_pb2.TeamSelector(parent=f"organizations/{org}"),
                                                mentors=team_pb2.TeamSelector(parent=f"organizations/{org}"))
            # Its matcher part alone: AssignMentors runs the mentor matcher
            # for every mentee with every candidate as an item (the API's
            # page_size stops at 1,000, as many as the candidates up to 2,000)
            some = [f"p{i:06d}" for i in random.Random(s).sample(range(1, s + 1), 10)]
            full = []
            for pid in some:
                full += timed(lambda: api.match.Match(match_pb2.MatchRequest(
                    parent=f"organizations/{org}", matcher="mentor", page_size=1000,
                    subject=f"organizations/{org}/people/{pid}"), timeout=120), 2)
            match_part = s * pct(full, 0.5) / 1000
            log(f"AssignMentors {s}: {s} × mentor Match p50 with page_size=1000 "
                f"({pct(full, 0.5):.2f} ms) = {match_part:.1f} s")
            limit = 120 if quick else 300  # seconds, for the call and for SQL
            t0 = time.perf_counter()
            try:
                res = api.team.AssignMentors(req, timeout=limit)
                am_s = time.perf_counter() - t0
                label = f"{res.method}, exact={res.exact}"
                log(f"AssignMentors {s}: {len(res.pairs)} pairs, total {res.total_weight:.2f}, {label}")
            except api.grpc.RpcError as e:
                if e.code() != api.grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
                am_s = f"> {limit} s (deadline exceeded)"
                label = "cut at the deadline"
                log(f"AssignMentors {s}: deadline of {limit} s exceeded")
            edge_s = None
            if pg:
                t0 = time.perf_counter()
                try:
                    out = pg.psql(f"SET statement_timeout = '{limit}s';\n" +
                                  EDGES_SQL.format(s=s, maxl=maxl, fac=fac))
                    edge_s = time.perf_counter() - t0
                    log(f"SQL edges {s}: {out.strip()}")
                except RuntimeError:
                    edge_s = f"> {limit} s (timeout)"
            row(f"AssignMentors, {s:,} people ({label}; {s:,} × Match with 1,000 items ≈ {match_part:.1f} s) "
                f"vs all-pair mentor scores in SQL (no flow solve)", am_s, edge_s, "s")

        # -- RecordAssessment at 16 clients (changes levels: after the checks)
        seconds = 5 if quick else 15
        writes = vwload(vwload_bin, daemon.port, "record", seconds, people=min(n, 5000))
        rss_after = daemon.rss_mib()
        r = subprocess.run([raw, "puts", f"--db={work}/raw-rocksdb", "--threads=16", f"--seconds={seconds}",
                            "--value_bytes=1500"], capture_output=True, text=True, check=True)
        puts = json.loads(r.stdout)
        row("RecordAssessment, 16 clients (writes/s) vs synced raw RocksDB writes, 16 threads",
            writes["per_s"], puts["per_s"], "/s", vfmt="{:.0f}")
        row("RecordAssessment p50 latency at 16 clients vs raw RocksDB write p50",
            writes["p50_ms"], puts["p50_ms"], "ms")
        noop = vwload(vwload_bin, daemon.port, "health", seconds)
        row("RecordAssessment, 16 clients (writes/s) vs Health.Check, 16 clients (the load tool's ceiling)",
            writes["per_s"], noop["per_s"], "/s", vfmt="{:.0f}")
        if pg:
            pgb = pgbench_writes(pg, work, n, seconds)
            row("RecordAssessment, 16 clients (writes/s) vs PostgreSQL INSERT of 5 ratings, 16 pgbench clients",
                writes["per_s"], pgb, "/s", vfmt="{:.0f}")

        # -- memory and disk
        row("resident memory after load (vakwijzerd RSS vs PostgreSQL PSS, all processes)", rss_loaded,
            pg.pss_mib() if pg else None, "MiB", vfmt="{:.0f}")
        row("resident memory at the end (RSS vs PSS)", rss_after, pg.pss_mib() if pg else None, "MiB",
            vfmt="{:.0f}")
        vdisk = du_mib(daemon.data_dir)
        pdisk = du_mib(os.path.join(pg.data, "base")) if pg else None
        row("on disk (RocksDB folder vs PostgreSQL base/)", vdisk, pdisk, "MiB", vfmt="{:.0f}")

        # -- restart to the first answered Match / query
        api.close()
        daemon.stop()
        t0 = time.monotonic()
        daemon.start()
        api = Api(f"127.0.0.1:{port}")
        while True:
            try:
                api.match.Match(match_pb2.MatchRequest(
                    parent=f"organizations/{ORG}", matcher="mentor",
                    subject=f"organizations/{ORG}/people/{mentee_ids[0]}"),
                    timeout=600, wait_for_ready=True)
                break
            except api.grpc.RpcError:
                time.sleep(0.01)
            if time.monotonic() - t0 > 1800:
                raise RuntimeError("no answer after restart")
        restart_s = time.monotonic() - t0
        pg_restart = None
        if pg:
            pg.stop()
            t0 = time.monotonic()
            pg.start(wait=False)
            prep = MENTOR_SQL_CL.format(maxl=maxl, fac=fac) + f"EXECUTE mentor_cl('{mentee_ids[0]}');\n"
            while True:
                try:
                    pg.psql(prep)
                    break
                except RuntimeError:
                    time.sleep(0.01)
                if time.monotonic() - t0 > 600:
                    raise RuntimeError("PostgreSQL did not answer after restart")
            pg_restart = time.monotonic() - t0
        row("restart to the first answered mentor Match vs PostgreSQL restart to the first mentor query",
            restart_s, pg_restart, "s")
    finally:
        try:
            api.close()
        except Exception:  # noqa: BLE001
            pass
        daemon.stop()
        if pg:
            pg.stop()

    # -- report
    bad = [c for c in checks if not c[1]]
    lines = [f"Vakwijzer end-to-end benchmark, {dt.datetime.utcnow():%Y-%m-%d %H:%M} UTC, N = {n:,} people, "
             f"{total_ratings:,} ratings, load method {method}{', quick' if quick else ''}",
             f"machine: {os.cpu_count()} CPUs; at the start: {uptime}",
             f"at the end: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}",
             "", "| figure | Vakwijzer | peer | ratio |", "| --- | --- | --- | --- |"]
    for r_ in rows:
        lines.append("| " + " | ".join(r_) + " |")
    lines.append("")
    agree = sum(1 for c in checks if c[1])
    lines.append(f"answers: {agree} of {len(checks)} checks AGREE" + ("" if not bad else f", {len(bad)} DISAGREE"))
    for what, ok, detail in checks:
        lines.append(f"- {'AGREE' if ok else 'DISAGREE'}: {what}{'' if ok else ': ' + detail}")
    lines.append(f"(run took {time.time() - started:.0f} s)")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(out_path, "w") as f:
        f.write(text)
    log(f"table written to {out_path}")
    if not args.keep and not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


def build_scan_spec(p, fwk, bonus, n, stride):
    """The mentee's gap units (competencies, framework order) for e2e_raw scan."""
    levels = {o: l for o, _, l in p["ratings"]}
    target = p["target"]
    per_comp = {}
    for o, _, t, c, _ in fwk.indicators:
        per_comp.setdefault(c, {}).setdefault(t, []).append(o)
    units, gaps = [], []
    for c in fwk.competencies:
        own = per_comp.get(c, {}).get(p["track"], [])
        if not own:
            continue
        known = [levels[o] for o in own if o in levels]
        if not known:
            continue
        mean = sum(known) / len(known)
        if mean >= target:
            continue
        units.append(c)
        gaps.append(target - mean)
    out = [f"{n} {stride}", f"{target} {fwk.max_level} {bonus}", f"{len(fwk.tracks)} {len(units)}",
           " ".join(repr(g) for g in gaps)]
    for t in fwk.tracks:
        for c in units:
            ords = per_comp[c].get(t, [])
            out.append(" ".join(str(x) for x in [len(ords)] + ords))
    return "\n".join(out) + "\n"


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def compare_top(what, ours, theirs):
    """Same people in the same order with the same scores; people whose
    scores are equal within TOL may swap (float sums in another order)."""
    if len(ours) != len(theirs):
        return (what, False, f"{len(ours)} vs {len(theirs)} items: {ours} vs {theirs}")
    for k, ((a, sa), (b, sb)) in enumerate(zip(ours, theirs)):
        if not close(sa, sb):
            return (what, False, f"rank {k + 1}: {a} {sa!r} vs {b} {sb!r}")
    if [a for a, _ in ours] != [b for b, _ in theirs]:
        # allowed only within groups of tied scores, and not at the cut
        ta = sorted(ours, key=lambda x: (round(x[1], 9), x[0]))
        tb = sorted(theirs, key=lambda x: (round(x[1], 9), x[0]))
        if [a for a, _ in ta] != [b for b, _ in tb]:
            return (what, False, f"order {ours} vs {theirs}")
    return (what, True, "")


def compare_team(summary, sql_rows):
    what = f"ScoreTeam summary ({len(summary.indicators)} indicators, rollups) vs GROUP BY"
    sql = {(r[0], r[1]): r for r in sql_rows}
    problems = []
    for s in summary.indicators:
        r = sql.get(("i", s.indicator))
        if r is None:
            problems.append(f"{s.indicator} missing in SQL")
            continue
        dist = ",".join(str(x) for x in s.distribution)
        if (int(r[2]) != s.people or int(r[3]) != s.unknown or not close(float(r[4]), s.mean_gap)
                or not close(float(r[5]), s.share_at_target) or r[6] != dist or int(r[7]) != s.bus_factor):
            problems.append(f"{s.indicator}: service people={s.people} unknown={s.unknown} "
                            f"mean_gap={s.mean_gap!r} share={s.share_at_target!r} dist={dist} "
                            f"bus={s.bus_factor}; SQL {r[2:]}")
    if len([k for k in sql if k[0] == "i"]) != len(summary.indicators):
        problems.append(f"{len(summary.indicators)} indicators vs {len([k for k in sql if k[0] == 'i'])} in SQL")
    for kind, items in (("c", summary.competencies), ("k", summary.clusters), ("o", [summary.overall])):
        for ru in items:
            r = sql.get((kind, ru.code))
            if r is None:
                problems.append(f"rollup {kind} {ru.code} missing in SQL")
                continue
            if (int(r[3]) != ru.unknown or not close(float(r[4]), ru.mean_gap)
                    or not close(float(r[5]), ru.share_at_target) or int(r[7]) != ru.min_bus_factor):
                problems.append(f"rollup {ru.code}: service unknown={ru.unknown} mean_gap={ru.mean_gap!r} "
                                f"share={ru.share_at_target!r} min_bus={ru.min_bus_factor}; SQL {r[3:]}")
    return (what, not problems, "; ".join(problems[:5]) + (f" (+{len(problems) - 5})" if len(problems) > 5 else ""))


def vwload(binary, port, call, seconds, clients=16, people=2000):
    """benchmarks/load/vwload: CLIENTS C++ threads, one call in flight each."""
    r = subprocess.run([binary, f"--target=127.0.0.1:{port}", f"--call={call}", f"--org={ORG}",
                        f"--clients={clients}", f"--seconds={seconds}", f"--people={people}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"vwload --call={call} failed: {r.stdout} {r.stderr}")
    return json.loads(r.stdout)


def pgbench_writes(pg, work, n, seconds):
    pg.psql("CREATE TABLE IF NOT EXISTS rating_log (pid int NOT NULL, ind smallint NOT NULL, "
            "level smallint NOT NULL, rater text NOT NULL, at timestamptz NOT NULL DEFAULT now());")
    script = os.path.join(work, "pgbench.sql")
    with open(script, "w") as f:
        f.write(f"\\set p random(1, {n})\n"
                "INSERT INTO rating_log (pid, ind, level, rater) "
                "SELECT :p, x, x % 5, 'peer' FROM generate_series(1, 5) x;\n")
    os.chmod(script, 0o644)
    r = subprocess.run([f"{PG_BIN}/pgbench", "-h", pg.sock, "-U", "bench", "-n", "-c", "16", "-j", "2",
                        "-T", str(seconds), "-f", script, "postgres"], capture_output=True, text=True)
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", r.stdout)
    if not m:
        log(f"pgbench: {r.stdout[-500:]} {r.stderr[-500:]}")
        return None
    return float(m.group(1))


def du_mib(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total / (1 << 20)


if __name__ == "__main__":
    sys.exit(main())
