"""Crash test: kill -9 vakwijzerd at random moments under concurrent writers,
restart it, and check every acknowledged write and the invariants.

In the spirit of RocksDB's db_crashtest.py. Each cycle starts the server on
the same data folder, verifies what earlier cycles wrote, then lets
`--writers` threads write (assessments with client-chosen ids, profile
updates, bulk ImportRecords batches, training modules created, retitled and
deleted) until the server is killed with SIGKILL
after a random delay. A write is *acknowledged* when its call returned OK;
a write whose call was cut off is *in flight*: it may or may not have
landed. After each restart:

  - every acknowledged assessment is stored, with the content sent;
  - every stored assessment was sent (acknowledged or in flight): no phantom
    or torn record; an in-flight ImportRecords batch is all there or absent;
  - each profile's assessment_count equals its stored assessments;
  - each display name is the last acknowledged one or the one in flight;
  - each training module is as last acknowledged (absent or with its
    title) or as the write in flight left it, and the training matcher
    (the read model's catalogue) sees as many modules as the store holds;
  - the read model equals the store: ScoreTeam's per-person mean gap,
    readiness and coverage (from the levels the server keeps) equal the gap
    report recomputed from the stored assessments.

Environment (ctest sets them, tests/CMakeLists.txt): VAKWIJZERD_BIN,
VAKWIJZER_DATA_DIR, PYTHONPATH with the generated modules and
clients/python. Exit status 0 when every check held.

Usage: crash_test.py [--cycles=20] [--writers=4] [--seed=1] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from vakwijzer.v1 import catalog_pb2, service_pb2
from vakwijzer_client import VakwijzerClient, VakwijzerError

ORG = "crash"
PEOPLE_PER_WRITER = 4
MODULES_PER_WRITER = 2
LISTENING = "vakwijzerd: listening on 127.0.0.1:"


def start_server(binary: str, data: str, db: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [
            binary,
            "--listen=127.0.0.1:0",
            f"--data_dir={db}",
            f"--framework_dir={data}/frameworks",
            "--demo_file=",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    log = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        log.append(line)
        if line.startswith(LISTENING):
            port = int(line[len(LISTENING) :].strip())
            # Keep draining, so that the server never blocks on a full pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, port
    proc.kill()
    raise RuntimeError("vakwijzerd did not start:\n" + "".join(log))


@dataclass
class Sent:
    """An assessment as sent: what the stored one must equal."""

    rater_role: int
    rater: str
    ratings: tuple[tuple[str, int], ...]


@dataclass
class Person:
    id: str
    acked: dict[str, Sent] = field(default_factory=dict)  # assessment id ->
    maybe: dict[str, Sent] = field(default_factory=dict)  # in flight
    # Assessment ids of in-flight ImportRecords batches, each all or none.
    maybe_batches: list[list[str]] = field(default_factory=list)
    name_acked: str = ""
    name_maybe: Optional[str] = None


@dataclass
class Module:
    """A training module's title, None while it does not exist."""

    id: str
    acked: Optional[str] = None
    # The state the write in flight would leave, in a 1-tuple (None: no write
    # in flight).
    maybe: Optional[tuple[Optional[str]]] = None


class Checker:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.verified_writes = 0
        self.verified_modules = 0
        self.in_flight_landed = 0
        self.in_flight_lost = 0

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print("FAIL:", message, file=sys.stderr)


def stored_content(a) -> Sent:
    return Sent(
        a.rater_role,
        a.rater,
        tuple((r.indicator, r.level) for r in a.ratings),
    )


def verify_modules(
    client: VakwijzerClient, people: list[Person], modules: list[Module], check: Checker
) -> None:
    stored = {m.name.rsplit("/", 1)[1]: m.title for m in client.list_modules(ORG)}
    for m in modules:
        got = stored.get(m.id)
        if got == m.acked:
            check.verified_modules += 1
            if m.maybe is not None and m.maybe[0] != got:
                check.in_flight_lost += 1
        elif m.maybe is not None and got == m.maybe[0]:
            m.acked = got
            check.in_flight_landed += 1
        else:
            check.fail(
                f"module {m.id}: stored title {got!r}, acknowledged {m.acked!r}, "
                f"in flight {m.maybe!r}"
            )
        m.maybe = None
    plan = client.match(ORG, "training", f"people/{people[0].id}")
    if plan.candidate_count + len(plan.excluded) != len(stored):
        check.fail(
            f"the training matcher sees {plan.candidate_count} candidates and "
            f"{len(plan.excluded)} excluded modules, the store {len(stored)}"
        )


def verify(client: VakwijzerClient, people: list[Person], check: Checker) -> None:
    scores = {}
    for part in client.score_team(ORG, include_people=True):
        if part.WhichOneof("part") == "person":
            scores[part.person.person.rsplit("/", 1)[1]] = part.person
    for p in people:
        profile = client.get_profile(ORG, p.id)
        stored = {a.name.rsplit("/", 1)[1]: a for a in client.list_assessments(ORG, p.id)}
        for aid, sent in p.acked.items():
            if aid not in stored:
                check.fail(f"{p.id}/{aid}: acknowledged assessment lost")
            elif stored_content(stored[aid]) != sent:
                check.fail(f"{p.id}/{aid}: stored content differs from what was sent")
            else:
                check.verified_writes += 1
        for batch in p.maybe_batches:
            present = [aid in stored for aid in batch]
            if any(present) and not all(present):
                check.fail(f"{p.id}: ImportRecords batch {batch} half written")
        for aid, a in stored.items():
            if aid in p.acked:
                continue
            if aid not in p.maybe:
                check.fail(f"{p.id}/{aid}: stored but never sent")
            elif stored_content(a) != p.maybe[aid]:
                check.fail(f"{p.id}/{aid}: in-flight write stored torn")
        # In-flight writes that landed count as acknowledged from now on.
        for aid, sent in p.maybe.items():
            if aid in stored:
                p.acked[aid] = sent
                check.in_flight_landed += 1
            else:
                check.in_flight_lost += 1
        p.maybe.clear()
        p.maybe_batches.clear()
        if profile.assessment_count != len(stored):
            check.fail(
                f"{p.id}: assessment_count {profile.assessment_count} but "
                f"{len(stored)} stored"
            )
        if profile.display_name == p.name_maybe:
            p.name_acked = profile.display_name
        elif profile.display_name != p.name_acked:
            check.fail(
                f"{p.id}: display name {profile.display_name!r}, acknowledged "
                f"{p.name_acked!r}, in flight {p.name_maybe!r}"
            )
        p.name_maybe = None
        report = client.gap_report(ORG, p.id)
        score = scores.get(p.id)
        if score is None:
            check.fail(f"{p.id}: missing from ScoreTeam (read model)")
            continue
        for what in ("mean_gap", "readiness", "coverage"):
            want = getattr(report.overall, what)
            got = getattr(score, what)
            # The read model keeps levels as float: agree to 1e-6.
            if abs(want - got) > 1e-6:
                check.fail(
                    f"{p.id}: read model {what} {got} but the stored "
                    f"assessments give {want}"
                )


def write_module(
    client: VakwijzerClient, m: Module, title: str, competency: str, rng: random.Random
) -> None:
    """Creates the module when it does not exist, else retitles or deletes it."""
    if m.acked is None:
        module = catalog_pb2.TrainingModule(title=title, hours=rng.randint(2, 40), cost=0)
        module.develops.add(competency=competency, level=3)
        m.maybe = (title,)
        client.create_module(ORG, m.id, module)
    elif rng.random() < 0.7:
        m.maybe = (title,)
        client.update_module(ORG, m.id, title=title)
    else:
        m.maybe = (None,)
        client.delete_module(ORG, m.id)
    m.acked, m.maybe = m.maybe[0], None


def writer(
    port: int,
    k: int,
    people: list[Person],
    modules: list[Module],
    competency: str,
    indicators: list[str],
    rng: random.Random,
    seq: list[int],
    stop: threading.Event,
    acked: list[int],
    errors: list[str],
) -> None:
    client = VakwijzerClient(f"127.0.0.1:{port}", timeout=10)
    try:
        while not stop.is_set():
            p = rng.choice(people)
            op = rng.random()
            seq[0] += 1
            n = seq[0]
            if op < 0.7:
                aid = f"w{k}-a{n}"
                ratings = {i: rng.randint(0, 4) for i in rng.sample(indicators, rng.randint(1, 6))}
                role = rng.choice(["self", "peer", "manager", "assessor"])
                rater = f"r{rng.randint(1, 3)}"
                sent = Sent(
                    ["self", "peer", "manager", "assessor"].index(role) + 1,
                    rater,
                    tuple(ratings.items()),
                )
                p.maybe[aid] = sent
                client.record_assessment(ORG, p.id, role, ratings, rater=rater, assessment_id=aid)
                p.acked[aid] = p.maybe.pop(aid)
            elif op < 0.8:
                name = f"name-{k}-{n}"
                p.name_maybe = name
                client.update_profile(ORG, p.id, display_name=name)
                p.name_acked, p.name_maybe = name, None
            elif op < 0.9:
                write_module(client, rng.choice(modules), f"module-{k}-{n}", competency, rng)
            else:
                batches, sent_all = [], {}
                for b in range(2):
                    batch, ids = [], []
                    for r in range(3):
                        aid = f"w{k}-b{n}-{b}-{r}"
                        level = rng.randint(0, 4)
                        ind = rng.choice(indicators)
                        record = service_pb2.ImportRecord()
                        a = record.assessment
                        a.person_id = p.id
                        a.assessment_id = aid
                        a.assessment.rater_role = 3  # MANAGER
                        a.assessment.rater = "bulk"
                        a.assessment.ratings.add(indicator=ind, level=level)
                        batch.append(record)
                        ids.append(aid)
                        sent_all[aid] = Sent(3, "bulk", ((ind, level),))
                    batches.append(batch)
                    p.maybe_batches.append(ids)
                p.maybe.update(sent_all)
                response = client.import_records(ORG, batches)
                if response.errors:
                    raise RuntimeError(f"import refused: {response.errors[0]}")
                for aid in sent_all:
                    p.acked[aid] = p.maybe.pop(aid)
                p.maybe_batches = p.maybe_batches[:-2]
            acked[0] += 1
    except VakwijzerError as e:
        # The kill cuts calls off; anything else is a failure.
        if e.code not in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN"):
            errors.append(f"writer {k}: {e}")
    except Exception as e:  # noqa: BLE001 - reported as a failure
        errors.append(f"writer {k}: {e!r}")
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max_kill_delay", type=float, default=1.5)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args()
    binary = os.environ["VAKWIJZERD_BIN"]
    data = os.environ["VAKWIJZER_DATA_DIR"]
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="vakwijzer-crash-")
    db = os.path.join(work, "db")
    check = Checker()
    writes = 0
    started = time.monotonic()
    restart_seconds = []
    try:
        proc, port = start_server(binary, data, db)
        with VakwijzerClient(f"127.0.0.1:{port}", timeout=30) as client:
            client.wait_ready(60)
            fw = client.get_framework("sfd-2021", track="hbo")
            indicators = [
                i.id for c in fw.clusters for k in c.competencies for i in k.indicators
            ]
            competency = fw.clusters[0].competencies[0].code
            modules_of = [
                [Module(f"w{k}-m{j}") for j in range(MODULES_PER_WRITER)]
                for k in range(args.writers)
            ]
            people_of = []
            for k in range(args.writers):
                mine = []
                for j in range(PEOPLE_PER_WRITER):
                    pid = f"w{k}-p{j}"
                    client.create_profile(ORG, pid, "hbo", teams=["crash"])
                    mine.append(Person(pid))
                people_of.append(mine)
        everyone = [p for mine in people_of for p in mine]
        seqs = [[0] for _ in range(args.writers)]
        for cycle in range(args.cycles):
            stop = threading.Event()
            acked = [[0] for _ in range(args.writers)]
            writer_errors: list[str] = []
            threads = [
                threading.Thread(
                    target=writer,
                    args=(port, k, people_of[k], modules_of[k], competency, indicators,
                          random.Random(rng.random()),
                          seqs[k], stop, acked[k], writer_errors),
                )
                for k in range(args.writers)
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.1, args.max_kill_delay))
            proc.kill()
            proc.wait()
            stop.set()
            for t in threads:
                t.join(60)
            writes += sum(a[0] for a in acked)
            for e in writer_errors:
                check.fail(e)
            t0 = time.monotonic()
            proc, port = start_server(binary, data, db)
            with VakwijzerClient(f"127.0.0.1:{port}", timeout=30) as client:
                client.wait_ready(120)
                restart_seconds.append(time.monotonic() - t0)
                verify(client, everyone, check)
                verify_modules(
                    client, everyone, [m for mine in modules_of for m in mine], check
                )
            print(
                f"cycle {cycle + 1}/{args.cycles}: {sum(a[0] for a in acked)} "
                f"acknowledged writes, restart {restart_seconds[-1]:.2f} s, "
                f"{len(check.failures)} failures so far",
                flush=True,
            )
        proc.kill()
        proc.wait()
    finally:
        if args.keep:
            print("data kept in", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    restart_seconds.sort()
    print(
        f"crash test: {args.cycles} kill -9 cycles, {args.writers} writers, "
        f"{writes} acknowledged calls, {check.verified_writes} acknowledged "
        f"assessment checks, {check.verified_modules} module checks, "
        f"{check.in_flight_landed} in-flight writes landed "
        f"and {check.in_flight_lost} did not; restart median "
        f"{restart_seconds[len(restart_seconds) // 2] if restart_seconds else 0:.2f} s; "
        f"{len(check.failures)} failures; {time.monotonic() - started:.0f} s"
    )
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
