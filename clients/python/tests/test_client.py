"""End to end: the Python client against the real vakwijzerd binary.

Environment:
    VAKWIJZERD_BIN       the server binary (required)
    VAKWIJZER_DATA_DIR   the repository's data/ folder (frameworks, demo)
The client comes from the installed package (pip install ./clients/python),
or from PYTHONPATH holding the generated modules and clients/python. ctest
installs it into a virtual environment and sets both variables
(clients/python/CMakeLists.txt).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Optional
from unittest import mock

from vakwijzer_client import VakwijzerClient, VakwijzerError

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "ld_platform.py")
LISTENING = "vakwijzerd: listening on 127.0.0.1:"


class Server:
    """The real vakwijzerd on a free port with a fresh database."""

    def __init__(
        self, binary: str, data_dir: str, db_dir: str, extra: Optional[list[str]] = None
    ) -> None:
        self.log = ""
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)
        self.proc = subprocess.Popen(
            [
                binary,
                "--listen=127.0.0.1:0",
                f"--data_dir={db_dir}",
                f"--framework_dir={data_dir}/frameworks",
                f"--demo_file={data_dir}/demo/demo.textproto",
                f"--demo_catalog_file={data_dir}/demo/catalog.textproto",
                *(extra or []),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Drain the server's output all the time, so it never blocks on a
        # full pipe.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = self._wait_for_port(60.0)

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._lock:
                self.log += line
                self._seen.notify_all()
        with self._lock:
            self.log += "\x00EOF"
            self._seen.notify_all()

    def _wait_for_port(self, seconds: float) -> int:
        deadline = time.monotonic() + seconds
        with self._lock:
            while True:
                at = self.log.find(LISTENING)
                if at >= 0 and "\n" in self.log[at:]:
                    line = self.log[at + len(LISTENING) :].split("\n", 1)[0]
                    return int(line)
                left = deadline - time.monotonic()
                if left <= 0 or "\x00EOF" in self.log:
                    raise RuntimeError(f"vakwijzerd did not start:\n{self.log}")
                self._seen.wait(left)

    def stop(self) -> int:
        """SIGTERM, then the exit code (negative: killed by that signal)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(timeout=10)
        return code


class ClientTest(unittest.TestCase):
    server: Server
    client: VakwijzerClient
    tmp: str

    @classmethod
    def setUpClass(cls) -> None:
        binary = os.environ.get("VAKWIJZERD_BIN")
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError(f"VAKWIJZERD_BIN={binary!r} is not an executable")
        data_dir = os.environ.get(
            "VAKWIJZER_DATA_DIR", os.path.join(HERE, "..", "..", "..", "data")
        )
        cls.tmp = tempfile.mkdtemp(prefix="vakwijzer-python-")
        cls.server = Server(binary, data_dir, os.path.join(cls.tmp, "db"))
        cls.target = f"127.0.0.1:{cls.server.port}"
        cls.client = VakwijzerClient(cls.target, timeout=30.0)
        cls.client.wait_ready(30.0)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()
        code = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if code != 0 or "vakwijzerd: stopped" not in cls.server.log:
            raise AssertionError(
                f"vakwijzerd exited {code} on SIGTERM:\n{cls.server.log}"
            )

    def assertRaisesCode(self, code: str, fn, *args, **kwargs) -> VakwijzerError:
        with self.assertRaises(VakwijzerError) as caught:
            fn(*args, **kwargs)
        self.assertEqual(caught.exception.code, code, str(caught.exception))
        return caught.exception

    # -- frameworks --------------------------------------------------------

    def test_list_frameworks_contains_sfd_2021(self) -> None:
        ids = [f.id for f in self.client.list_frameworks()]
        self.assertIn("sfd-2021", ids)
        self.assertEqual(self.client.get_framework("sfd-2021").name, "frameworks/sfd-2021")

    def test_get_framework_one_track(self) -> None:
        framework = self.client.get_framework("frameworks/sfd-2021", track="mbo")
        tracks = {
            i.track
            for cl in framework.clusters
            for co in cl.competencies
            for i in co.indicators
        }
        self.assertEqual(tracks, {"mbo"})
        self.assertRaisesCode("NOT_FOUND", self.client.get_framework, "no-such")

    # -- profiles and gap reports -------------------------------------------

    def test_demo_gap_report(self) -> None:
        report = self.client.gap_report("demo", "sw-001")
        self.assertEqual(report.person, "organizations/demo/people/sw-001")
        self.assertEqual(report.track, "hbo")
        self.assertEqual(report.target_level, 3)
        self.assertEqual(report.target_stage, "vakvolwassen")
        self.assertEqual(len(report.top_gaps), 10)
        self.assertEqual(len(self.client.gap_report("demo", "sw-001", top_n=3).top_gaps), 3)
        latest = self.client.gap_report("organizations/demo", "sw-001", policy="latest")
        self.assertEqual(latest.policy, 2)  # LATEST

    def test_new_person_gap_is_hand_computed(self) -> None:
        vw = self.client
        created = vw.create_profile(
            "py", "p-1", "mbo", teams=["zuid"], role="budgetcoach", languages=["nl"]
        )
        self.assertEqual(created.name, "organizations/py/people/p-1")
        self.assertEqual(list(created.teams), ["zuid"])
        self.assertTrue(created.etag)
        self.assertRaisesCode("ALREADY_EXISTS", vw.create_profile, "py", "p-1", "mbo")

        vw.record_assessment(
            "py", "p-1", "manager", {"mbo-1.1-1": 1, "mbo-1.1-2": 3}, rater="m-3",
            assessment_id="intake", evidence={"mbo-1.1-1": "plan van aanpak ontbrak"},
        )
        report = vw.gap_report("py", "p-1")
        gaps = {g.indicator: g for g in report.indicators}
        self.assertEqual(report.target_level, 3)
        self.assertEqual(gaps["mbo-1.1-1"].target, 3)
        self.assertTrue(gaps["mbo-1.1-1"].known)
        self.assertAlmostEqual(gaps["mbo-1.1-1"].current.level, 1.0)
        self.assertAlmostEqual(gaps["mbo-1.1-1"].gap, 2.0)  # max(0, 3 - 1)
        self.assertAlmostEqual(gaps["mbo-1.1-2"].gap, 0.0)  # at target
        self.assertEqual(report.overall.known_count, 2)
        self.assertAlmostEqual(report.overall.mean_gap, 1.0)
        self.assertAlmostEqual(report.overall.share_at_target, 0.5)
        self.assertAlmostEqual(report.overall.readiness, 1 - 2 / 6)
        self.assertEqual(report.top_gaps[0], "mbo-1.1-1")

        # A self rating of 3 next to the manager's 1: WEIGHTED combines the
        # roles with weights self 0.5, manager 1 -> (0.5*3 + 1*1) / 1.5.
        vw.record_assessment("py", "p-1", "SELF", {"mbo-1.1-1": 3})
        weighted = {g.indicator: g for g in vw.gap_report("py", "p-1").indicators}
        self.assertAlmostEqual(weighted["mbo-1.1-1"].current.level, 2.5 / 1.5)
        self.assertAlmostEqual(weighted["mbo-1.1-1"].gap, 3 - 2.5 / 1.5)
        lowest = {g.indicator: g for g in vw.gap_report("py", "p-1", policy="lowest").indicators}
        self.assertAlmostEqual(lowest["mbo-1.1-1"].gap, 2.0)

        assessments = list(vw.list_assessments("py", "p-1", page_size=1))
        self.assertEqual(len(assessments), 2)
        self.assertIn(
            "organizations/py/people/p-1/assessments/intake",
            [a.name for a in assessments],
        )
        # A retry of "intake" with the same content returns the stored one;
        # different content is ALREADY_EXISTS.
        retried = vw.record_assessment(
            "py", "p-1", "manager", {"mbo-1.1-1": 1, "mbo-1.1-2": 3}, rater="m-3",
            assessment_id="intake", evidence={"mbo-1.1-1": "plan van aanpak ontbrak"},
        )
        self.assertEqual(retried.name, "organizations/py/people/p-1/assessments/intake")
        self.assertEqual(len(list(vw.list_assessments("py", "p-1"))), 2)
        self.assertRaisesCode(
            "ALREADY_EXISTS", vw.record_assessment, "py", "p-1", "manager",
            {"mbo-1.1-1": 2}, rater="m-3", assessment_id="intake",
        )

    def test_stale_etag_is_failed_precondition(self) -> None:
        vw = self.client
        first = vw.create_profile("py", "p-etag", "hbo", role="a")
        second = vw.update_profile("py", "p-etag", etag=first.etag, role="b", teams=["t"])
        self.assertEqual(second.role, "b")
        self.assertEqual(list(second.teams), ["t"])
        self.assertEqual(second.track, "hbo")  # not in the mask: kept
        self.assertNotEqual(second.etag, first.etag)
        error = self.assertRaisesCode(
            "FAILED_PRECONDITION", vw.update_profile, "py", "p-etag",
            etag=first.etag, role="c",
        )
        self.assertTrue(error.message)
        self.assertEqual(vw.get_profile("py", "p-etag").role, "b")
        self.assertRaisesCode(
            "FAILED_PRECONDITION", vw.delete_profile, "py", "p-etag", etag=first.etag
        )
        vw.delete_profile("py", "p-etag", etag=second.etag)
        self.assertRaisesCode("NOT_FOUND", vw.get_profile, "py", "p-etag")

    def test_invalid_level_names_the_field(self) -> None:
        vw = self.client
        vw.create_profile("py", "p-bad", "hbo")
        error = self.assertRaisesCode(
            "INVALID_ARGUMENT", vw.record_assessment, "py", "p-bad", "manager",
            {"hbo-1.1-1": 9}, rater="m-1",
        )
        self.assertIn("ratings[0].level", error.message)
        self.assertEqual(error.method, "ProfileService.RecordAssessment")
        # A rejected request writes nothing.
        self.assertEqual(vw.get_profile("py", "p-bad").assessment_count, 0)

    def test_import_records_in_batches(self) -> None:
        from vakwijzer.v1 import service_pb2

        def person(pid: str) -> service_pb2.ImportRecord:
            r = service_pb2.ImportRecord()
            r.person.profile_id = pid
            r.person.profile.track = "hbo"
            return r

        def rating(pid: str, aid: str, level: int) -> service_pb2.ImportRecord:
            r = service_pb2.ImportRecord()
            r.assessment.person_id = pid
            r.assessment.assessment_id = aid
            r.assessment.assessment.rater_role = 3  # MANAGER
            r.assessment.assessment.rater = "m-1"
            r.assessment.assessment.ratings.add(indicator="hbo-1.1-1", level=level)
            return r

        batches = [
            [person("bulk-1"), rating("bulk-1", "a1", 2)],
            [rating("bulk-1", "a2", 9), rating("bulk-1", "a1", 2)],
        ]
        out = self.client.import_records("py", iter(batches))
        self.assertEqual(out.people_created, 1)
        self.assertEqual(out.assessments_recorded, 1)
        self.assertEqual(out.assessments_skipped, 1)
        self.assertEqual(len(out.errors), 1)
        self.assertEqual((out.errors[0].batch_index, out.errors[0].record_index), (1, 0))
        self.assertEqual(out.errors[0].field, "assessment.assessment.ratings[0].level")
        self.assertEqual(self.client.get_profile("py", "bulk-1").assessment_count, 1)

    def test_not_found_and_local_argument_checks(self) -> None:
        vw = self.client
        error = self.assertRaisesCode("NOT_FOUND", vw.gap_report, "demo", "nobody")
        self.assertIn("nobody", error.message)
        with self.assertRaises(TypeError):
            vw.create_profile("py", "p-x", "hbo", no_such_field=1)
        with self.assertRaises(ValueError):
            vw.update_profile("py", "p-x")  # no fields: would replace them all
        with self.assertRaises(ValueError):
            vw.record_assessment("py", "p-x", "boss", {"hbo-1.1-1": 1})

    def test_module_create_get_update_delete(self) -> None:
        from vakwijzer.v1 import catalog_pb2

        vw = self.client
        module = catalog_pb2.TrainingModule(title="Eerste gesprek", hours=4, cost=0)
        module.develops.add(competency="1.1", level=3)
        created = vw.create_module("pymod", "gesprek", module)
        self.assertEqual(created.name, "organizations/pymod/modules/gesprek")
        self.assertEqual(created.title, "Eerste gesprek")
        self.assertRaisesCode("ALREADY_EXISTS", vw.create_module, "pymod", "gesprek", module)
        updated = vw.update_module("pymod", "gesprek", title="Tweede gesprek")
        self.assertEqual(updated.title, "Tweede gesprek")
        self.assertEqual(updated.hours, 4)  # outside the mask: kept
        self.assertRaisesCode(
            "FAILED_PRECONDITION", vw.update_module, "pymod", "gesprek",
            etag=created.etag, title="x")
        self.assertEqual(vw.get_module("pymod", "gesprek").title, "Tweede gesprek")
        self.assertEqual([m.title for m in vw.list_modules("pymod")], ["Tweede gesprek"])
        vw.delete_module("pymod", "gesprek")
        self.assertRaisesCode("NOT_FOUND", vw.get_module, "pymod", "gesprek")
        self.assertEqual(list(vw.list_modules("pymod")), [])
        with self.assertRaises(ValueError):
            vw.update_module("pymod", "gesprek")  # no fields
        with self.assertRaises(ValueError):
            vw.get_module("pymod", "a/b")

    def test_list_profiles_yields_every_page(self) -> None:
        names = [p.name for p in self.client.list_profiles("demo", page_size=5)]
        self.assertEqual(len(names), 42)
        self.assertEqual(len(set(names)), 42)
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(list(self.client.list_profiles("demo"))), 42)
        noord = list(self.client.list_profiles("demo", 'team = "team-noord"', page_size=3))
        self.assertEqual(len(noord), 10)
        self.assertTrue(all("team-noord" in p.teams for p in noord))

    # -- matchers ----------------------------------------------------------

    def test_training_plan(self) -> None:
        plan = self.client.training_plan("demo", "sw-001", budget_hours=24)
        self.assertEqual(plan.matcher, "training")
        self.assertEqual(plan.subject, "organizations/demo/people/sw-001")
        self.assertGreater(len(plan.items), 0)
        self.assertTrue(plan.summary)
        self.assertLessEqual(plan.metrics["hours_used"], 24)
        self.assertTrue(plan.items[0].name.startswith("organizations/demo/modules/"))
        error = self.assertRaisesCode(
            "INVALID_ARGUMENT", self.client.training_plan, "demo", "sw-001", budget_hours=-1
        )
        self.assertIn('parameters["budget_hours"]', error.message)

    def test_other_matchers(self) -> None:
        vw = self.client
        names = {m.name for m in vw.list_matchers()}
        self.assertTrue({"training", "mentor", "role-fit", "case-staffing"} <= names)
        mentors = vw.mentors("demo", "sw-001", page_size=2, **{"lambda": 0.7})
        self.assertLessEqual(len(mentors.items), 2)
        self.assertGreater(len(mentors.items), 0)
        fit = vw.role_fit("demo", "roles/schuldhulpverlener")
        self.assertEqual(fit.matcher, "role-fit")
        self.assertGreater(len(fit.items), 0)
        roles = vw.role_fit("demo", "sw-001")
        self.assertTrue(roles.items[0].name.startswith("organizations/demo/roles/"))
        staff = vw.staff_case("demo", "o-dreigende-ontruiming")
        self.assertEqual(staff.subject, "organizations/demo/cases/o-dreigende-ontruiming")
        same = vw.match("demo", "case-staffing", "cases/o-dreigende-ontruiming",
                        request_id="py-1")
        self.assertEqual(same.request_id, "py-1")
        self.assertEqual([i.name for i in same.items], [i.name for i in staff.items])

    # -- teams -------------------------------------------------------------

    def test_score_team_streams_people_then_summary(self) -> None:
        parts = list(self.client.score_team("demo", team="team-noord", include_people=True))
        kinds = [p.WhichOneof("part") for p in parts]
        self.assertEqual(kinds[-1], "summary")
        self.assertEqual(kinds.count("summary"), 1)
        people = [p.person for p in parts if p.WhichOneof("part") == "person"]
        self.assertEqual(len(people), 10)
        self.assertEqual(parts[-1].summary.people, len(people))
        self.assertTrue(all(p.person.startswith("organizations/demo/people/") for p in people))
        only_summary = list(self.client.score_team("demo", team="team-noord"))
        self.assertEqual([p.WhichOneof("part") for p in only_summary], ["summary"])

    def test_team_assignments(self) -> None:
        mentors = self.client.assign_mentors("demo", team="team-noord")
        self.assertTrue(mentors.method)
        for pair in mentors.pairs:
            self.assertNotEqual(pair.left, pair.right)
        one_way = self.client.assign_mentors("demo", no_mutual=True)
        chosen = {(p.left, p.right) for p in one_way.pairs}
        self.assertFalse(any((right, left) in chosen for left, right in chosen))
        self.assertGreaterEqual(one_way.upper_bound, one_way.total_weight)
        staffing = self.client.staff_cases("demo", cases=["o-dreigende-ontruiming"])
        self.assertTrue(staffing.method)
        self.assertLessEqual(len(staffing.assignments), 1)

    def test_plan_team_training(self) -> None:
        plan = self.client.plan_team_training("demo", 3000, team="team-noord", max_sessions=4)
        self.assertLessEqual(plan.total_cost, 3000)
        self.assertLessEqual(plan.sessions, 4)
        self.assertGreater(plan.total_gain, 0)
        self.assertGreaterEqual(plan.upper_bound, plan.total_gain)
        self.assertAlmostEqual(sum(m.cost for m in plan.modules), plan.total_cost)
        with self.assertRaises(VakwijzerError) as caught:
            self.client.plan_team_training("demo", 0)
        self.assertEqual(caught.exception.code, "INVALID_ARGUMENT")
        self.assertIn("budget_cost", caught.exception.message)

    # -- the example -------------------------------------------------------

    def test_example_ld_platform(self) -> None:
        result = subprocess.run(
            [sys.executable, EXAMPLE, self.target, "demo"],
            capture_output=True, text=True, timeout=300, env=dict(os.environ),
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("sw-001", result.stdout)
        self.assertIn("42 people", result.stdout)
        empty = subprocess.run(
            [sys.executable, EXAMPLE, self.target, "no-such-org"],
            capture_output=True, text=True, timeout=60, env=dict(os.environ),
        )
        # An organisation without people is an empty table, not an error.
        self.assertEqual(empty.returncode, 0, empty.stderr)
        self.assertIn("0 people", empty.stdout)


class AuthClientTest(unittest.TestCase):
    """The client with bearer tokens against vakwijzerd --auth=jwt (tokens
    minted with PyJWT and the server's HS256 secret)."""

    SECRET = b"a-python-e2e-secret-of-at-least-32-bytes"

    @classmethod
    def setUpClass(cls) -> None:
        import jwt  # Debian's python3-jwt; only this class needs it

        cls.jwt = jwt
        binary = os.environ.get("VAKWIJZERD_BIN")
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError(f"VAKWIJZERD_BIN={binary!r} is not an executable")
        data_dir = os.environ.get(
            "VAKWIJZER_DATA_DIR", os.path.join(HERE, "..", "..", "..", "data")
        )
        cls.tmp = tempfile.mkdtemp(prefix="vakwijzer-python-auth-")
        secret = os.path.join(cls.tmp, "secret")
        with open(secret, "wb") as f:
            f.write(cls.SECRET + b"\n")
        cls.server = Server(
            binary, data_dir, os.path.join(cls.tmp, "db"),
            ["--auth=jwt", f"--jwt_keys={secret}"],
        )
        cls.target = f"127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls) -> None:
        code = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"vakwijzerd exited {code} on SIGTERM:\n{cls.server.log}")

    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        os.environ.pop("VAKWIJZER_TOKEN", None)
        self.addCleanup(patcher.stop)

    def token(self, org: str, roles: list[str], sub: str = "py", **claims) -> str:
        now = int(time.time())
        payload = {"sub": sub, "org": org, "roles": roles, "iat": now, "exp": now + 600}
        payload.update(claims)
        return self.jwt.encode(payload, self.SECRET, algorithm="HS256")

    def client(self, **kwargs) -> VakwijzerClient:
        vw = VakwijzerClient(self.target, timeout=30.0, **kwargs)
        self.addCleanup(vw.close)
        return vw

    def assertCode(self, code: str, fn, *args) -> None:
        with self.assertRaises(VakwijzerError) as caught:
            fn(*args)
        self.assertEqual(caught.exception.code, code, str(caught.exception))

    def test_reader_token_reads_the_demo(self) -> None:
        vw = self.client(token=self.token("demo", ["reader"]))
        self.assertEqual(vw.gap_report("demo", "sw-001").track, "hbo")
        self.assertEqual(len(list(vw.list_profiles("demo", page_size=20))), 42)
        self.assertEqual(list(vw.score_team("demo", team="team-noord"))[-1].summary.people, 10)
        os.environ["VAKWIJZER_TOKEN"] = self.token("demo", ["reader"])
        self.assertEqual(self.client().get_profile("demo", "sw-001").track, "hbo")

    def test_missing_bad_and_foreign_tokens(self) -> None:
        self.assertCode("UNAUTHENTICATED", self.client().gap_report, "demo", "sw-001")
        forged = self.jwt.encode(
            {"sub": "x", "org": "demo", "roles": ["admin"], "exp": int(time.time()) + 600},
            b"another-secret-of-at-least-32-bytes!!", algorithm="HS256",
        )
        self.assertCode("UNAUTHENTICATED", self.client(token=forged).gap_report, "demo", "sw-001")
        other = self.client(token=self.token("other", ["admin"]))
        self.assertCode("PERMISSION_DENIED", other.gap_report, "demo", "sw-001")

    def test_self_export_and_admin_audit(self) -> None:
        me = self.client(token=self.token("demo", ["self"], sub="sam", person="sw-003"))
        export = me.export_person_data("demo", "sw-003")
        self.assertEqual(export.profile.name, "organizations/demo/people/sw-003")
        self.assertTrue(export.HasField("export_time"))
        self.assertCode("PERMISSION_DENIED", me.export_person_data, "demo", "sw-004")
        self.assertCode("PERMISSION_DENIED", lambda: list(me.list_audit_events("demo")))
        admin = self.client(token=self.token("demo", ["admin"], sub="dpo"))
        events = list(admin.list_audit_events("demo", caller="sam", page_size=1))
        self.assertGreaterEqual(len(events), 2)
        rpcs = {(e.rpc.rsplit("/", 1)[-1], e.person, e.outcome) for e in events}
        self.assertIn(("ExportPersonData", "sw-003", "OK"), rpcs)
        self.assertIn(("ExportPersonData", "sw-004", "PERMISSION_DENIED"), rpcs)


if __name__ == "__main__":
    unittest.main()
