"""The client's bearer token and TLS, against an in-process fake server.

No vakwijzerd is needed: a grpc.server in this process serves the
generated servicers and records the metadata of every call. TLS
certificates are made with ``openssl req -x509`` (those tests are skipped
without openssl). The client comes from the installed package (pip install
./clients/python; ctest installs it into a virtual environment,
clients/python/CMakeLists.txt), or from PYTHONPATH holding the generated
modules (vakwijzer.v1) and clients/python.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import threading
import unittest
from concurrent import futures
from typing import Optional
from unittest import mock

import grpc

from vakwijzer.v1 import (
    audit_pb2,
    framework_pb2,
    service_pb2,
    service_pb2_grpc,
    team_pb2,
)
from vakwijzer_client import VakwijzerClient, VakwijzerError

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln"


class Recorder:
    """The ``authorization`` metadata of each call, by method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, Optional[str]]] = []
        self.audit_requests: list[audit_pb2.ListAuditEventsRequest] = []

    def add(self, method: str, context: grpc.ServicerContext) -> None:
        values = [v for k, v in context.invocation_metadata() if k == "authorization"]
        with self._lock:
            # None when absent; several values would show as their list.
            self.calls.append((method, values[0] if len(values) == 1 else (repr(values) if values else None)))

    def take(self) -> list[tuple[str, Optional[str]]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


class Frameworks(service_pb2_grpc.FrameworkServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def ListFrameworks(self, request, context):
        self.r.add("ListFrameworks", context)
        return service_pb2.ListFrameworksResponse(
            frameworks=[framework_pb2.Framework(name="frameworks/fake", id="fake")]
        )


class Teams(service_pb2_grpc.TeamServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def ScoreTeam(self, request, context):
        self.r.add("ScoreTeam", context)
        yield team_pb2.ScoreTeamResponse(person=team_pb2.PersonScore(person="p"))
        yield team_pb2.ScoreTeamResponse(summary=team_pb2.TeamSummary(people=1))


class Profiles(service_pb2_grpc.ProfileServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def ListProfiles(self, request, context):
        self.r.add("ListProfiles", context)
        if request.page_token:
            return service_pb2.ListProfilesResponse()
        return service_pb2.ListProfilesResponse(next_page_token="2")

    def ExportPersonData(self, request, context):
        self.r.add("ExportPersonData", context)
        if request.name != "organizations/demo/people/sw-001":
            context.abort(grpc.StatusCode.NOT_FOUND, f"no profile {request.name}")
        export = service_pb2.PersonDataExport()
        export.profile.name = request.name
        export.assessments.add(name=request.name + "/assessments/a-1")
        export.audit_events.add(rpc="/vakwijzer.v1.ProfileService/GetGapReport")
        export.export_time.FromSeconds(1700000000)
        return export


class Audit(service_pb2_grpc.AuditServiceServicer):
    """Five events over pages of two."""

    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def ListAuditEvents(self, request, context):
        self.r.add("ListAuditEvents", context)
        with self.r._lock:
            copy = audit_pb2.ListAuditEventsRequest()
            copy.CopyFrom(request)
            self.r.audit_requests.append(copy)
        first = int(request.page_token or "0")
        response = audit_pb2.ListAuditEventsResponse()
        for i in range(first, min(first + 2, 5)):
            response.events.add(name=f"{request.parent}/auditEvents/e{i}", caller=f"c{i}")
        if first + 2 < 5:
            response.next_page_token = str(first + 2)
        return response


class FakeServer:
    """The fake services on a free loopback port; plaintext, or TLS with
    ``server_credentials``."""

    def __init__(self, server_credentials: Optional[grpc.ServerCredentials] = None) -> None:
        self.recorder = Recorder()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        service_pb2_grpc.add_FrameworkServiceServicer_to_server(Frameworks(self.recorder), self.server)
        service_pb2_grpc.add_TeamServiceServicer_to_server(Teams(self.recorder), self.server)
        service_pb2_grpc.add_ProfileServiceServicer_to_server(Profiles(self.recorder), self.server)
        service_pb2_grpc.add_AuditServiceServicer_to_server(Audit(self.recorder), self.server)
        if server_credentials is None:
            self.port = self.server.add_insecure_port("127.0.0.1:0")
        else:
            self.port = self.server.add_secure_port("127.0.0.1:0", server_credentials)
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None).wait()


def make_certificate(folder: str, name: str) -> tuple[str, str]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert, key) paths."""
    cert = os.path.join(folder, f"{name}.pem")
    key = os.path.join(folder, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )
    return cert, key


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class TokenOnPlaintextTest(unittest.TestCase):
    """gRPC does not send call credentials on a plaintext channel: the client
    must add the metadata to every call itself."""

    def setUp(self) -> None:
        self.server = FakeServer()
        self.target = f"127.0.0.1:{self.server.port}"
        self.tmp = tempfile.mkdtemp(prefix="vakwijzer-auth-")
        # The caller's environment must not leak a token into these tests.
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        os.environ.pop("VAKWIJZER_TOKEN", None)
        self.addCleanup(patcher.stop)

    def tearDown(self) -> None:
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def client(self, **kwargs) -> VakwijzerClient:
        vw = VakwijzerClient(self.target, timeout=10.0, **kwargs)
        self.addCleanup(vw.close)
        return vw

    def test_every_kind_of_call_carries_the_token(self) -> None:
        vw = self.client(token=TOKEN)
        self.assertEqual(vw.list_frameworks()[0].name, "frameworks/fake")  # unary
        self.assertEqual(len(list(vw.score_team("demo"))), 2)  # server stream
        self.assertEqual(list(vw.list_profiles("demo")), [])  # two pages
        vw.export_person_data("demo", "sw-001")
        self.assertEqual(len(list(vw.list_audit_events("demo"))), 5)  # three pages
        calls = self.server.recorder.take()
        self.assertEqual(
            [m for m, _ in calls],
            ["ListFrameworks", "ScoreTeam", "ListProfiles", "ListProfiles",
             "ExportPersonData", "ListAuditEvents", "ListAuditEvents", "ListAuditEvents"],
        )
        for method, authorization in calls:
            self.assertEqual(authorization, f"Bearer {TOKEN}", method)

    def test_without_a_token_no_authorization(self) -> None:
        self.client().list_frameworks()
        self.assertEqual(self.server.recorder.take(), [("ListFrameworks", None)])

    def test_token_file_and_environment(self) -> None:
        path = os.path.join(self.tmp, "token")
        with open(path, "w") as f:
            f.write(f"\n  {TOKEN}-file \n")
        os.environ["VAKWIJZER_TOKEN"] = f" {TOKEN}-env\n"
        self.client(token_file=path).list_frameworks()  # the file over the env
        self.client().list_frameworks()  # the env as fallback
        self.client(token=f"{TOKEN}-arg", token_file=path).list_frameworks()
        self.assertEqual(
            [a for _, a in self.server.recorder.take()],
            [f"Bearer {TOKEN}-file", f"Bearer {TOKEN}-env", f"Bearer {TOKEN}-arg"],
        )

    def test_bad_token_arguments(self) -> None:
        with self.assertRaisesRegex(ValueError, "token_file: cannot read .*missing"):
            VakwijzerClient(self.target, token_file=os.path.join(self.tmp, "missing"))
        empty = os.path.join(self.tmp, "empty")
        with open(empty, "w") as f:
            f.write("\n")
        with self.assertRaisesRegex(ValueError, "token_file: .*empty is empty"):
            VakwijzerClient(self.target, token_file=empty)
        with self.assertRaisesRegex(ValueError, "printable ASCII"):
            VakwijzerClient(self.target, token="two words")

    def test_export_person_data(self) -> None:
        vw = self.client()
        export = vw.export_person_data("organizations/demo", "sw-001")
        self.assertEqual(export.profile.name, "organizations/demo/people/sw-001")
        self.assertEqual(len(export.assessments), 1)
        self.assertEqual(export.audit_events[0].rpc, "/vakwijzer.v1.ProfileService/GetGapReport")
        self.assertEqual(export.export_time.seconds, 1700000000)
        with self.assertRaises(VakwijzerError) as caught:
            vw.export_person_data("demo", "nobody")
        self.assertEqual(caught.exception.code, "NOT_FOUND")
        self.assertEqual(caught.exception.method, "ProfileService.ExportPersonData")

    def test_list_audit_events_follows_pages_and_sends_filters(self) -> None:
        vw = self.client()
        start = dt.datetime(2025, 1, 31, 9, 30, tzinfo=dt.timezone.utc)
        end = dt.datetime(2025, 2, 1, 1, 0, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        events = vw.list_audit_events(
            "demo", person="organizations/demo/people/sw-001", caller="cli",
            start=start, end=end, page_size=2,
        )
        self.assertEqual([e.caller for e in events], ["c0", "c1", "c2", "c3", "c4"])
        requests = self.server.recorder.audit_requests
        self.assertEqual([r.page_token for r in requests], ["", "2", "4"])
        first = requests[0]
        self.assertEqual(first.parent, "organizations/demo")
        self.assertEqual(first.person, "sw-001")
        self.assertEqual(first.caller, "cli")
        self.assertEqual(first.page_size, 2)
        self.assertEqual(first.start_time.seconds, 1738315800)
        self.assertEqual((first.end_time.seconds, first.end_time.nanos), (1738368000, 500000000))
        # Without filters the times are unset, not the epoch.
        self.server.recorder.audit_requests.clear()
        next(iter(vw.list_audit_events("demo")))
        plain = self.server.recorder.audit_requests[0]
        self.assertFalse(plain.HasField("start_time"))
        self.assertFalse(plain.HasField("end_time"))
        self.assertEqual((plain.person, plain.caller), ("", ""))
        with self.assertRaises(ValueError):
            vw.list_audit_events("demo", start=dt.datetime(2025, 1, 1))  # naive


@unittest.skipUnless(shutil.which("openssl"), "openssl is not installed")
class TlsTest(unittest.TestCase):
    """TLS with the token as call credentials, and mutual TLS."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.mkdtemp(prefix="vakwijzer-tls-")
        cls.cert, cls.key = make_certificate(cls.tmp, "localhost")
        cls.client_cert, cls.client_key = make_certificate(cls.tmp, "client")
        cls.other_ca, _ = make_certificate(cls.tmp, "other")

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        os.environ.pop("VAKWIJZER_TOKEN", None)
        self.addCleanup(patcher.stop)

    def serve(self, require_client_auth: bool = False) -> FakeServer:
        credentials = grpc.ssl_server_credentials(
            [(read(self.key), read(self.cert))],
            root_certificates=read(self.client_cert) if require_client_auth else None,
            require_client_auth=require_client_auth,
        )
        server = FakeServer(credentials)
        self.addCleanup(server.stop)
        return server

    def client(self, server: FakeServer, **kwargs) -> VakwijzerClient:
        vw = VakwijzerClient(f"localhost:{server.port}", timeout=5.0, **kwargs)
        self.addCleanup(vw.close)
        return vw

    def assertUnavailable(self, vw: VakwijzerClient) -> None:
        with self.assertRaises(VakwijzerError) as caught:
            vw.list_frameworks()
        self.assertEqual(caught.exception.code, "UNAVAILABLE", str(caught.exception))

    def test_tls_ca_makes_a_secure_channel_with_the_token(self) -> None:
        server = self.serve()
        vw = self.client(server, tls_ca=self.cert, token=TOKEN)
        self.assertEqual(vw.list_frameworks()[0].id, "fake")
        self.assertEqual(len(list(vw.score_team("demo"))), 2)
        # Exactly one authorization entry: call credentials, no duplicate
        # per-call metadata.
        self.assertEqual(
            server.recorder.take(),
            [("ListFrameworks", f"Bearer {TOKEN}"), ("ScoreTeam", f"Bearer {TOKEN}")],
        )
        # PEM bytes instead of a path work as well.
        self.client(server, tls_ca=read(self.cert)).list_frameworks()
        self.assertEqual(server.recorder.take(), [("ListFrameworks", None)])

    def test_without_the_ca_the_call_fails_cleanly(self) -> None:
        server = self.serve()
        self.assertUnavailable(self.client(server))  # plaintext to a TLS port
        self.assertUnavailable(self.client(server, tls_ca=self.other_ca))
        self.assertEqual(server.recorder.take(), [])

    def test_mutual_tls(self) -> None:
        server = self.serve(require_client_auth=True)
        vw = self.client(server, tls_ca=self.cert, tls_cert=self.client_cert,
                         tls_key=self.client_key, token=TOKEN)
        self.assertEqual(vw.list_frameworks()[0].id, "fake")
        self.assertUnavailable(self.client(server, tls_ca=self.cert))  # no client cert
        self.assertEqual(server.recorder.take(), [("ListFrameworks", f"Bearer {TOKEN}")])

    def test_argument_errors(self) -> None:
        target = "localhost:1"
        with self.assertRaisesRegex(ValueError, "tls_cert needs tls_key"):
            VakwijzerClient(target, tls_ca=self.cert, tls_cert=self.client_cert)
        with self.assertRaisesRegex(ValueError, "tls_key needs tls_cert"):
            VakwijzerClient(target, tls_ca=self.cert, tls_key=self.client_key)
        with self.assertRaisesRegex(ValueError, "need tls_ca"):
            VakwijzerClient(target, tls_cert=self.client_cert, tls_key=self.client_key)
        with self.assertRaisesRegex(ValueError, "tls_ca: cannot read .*nope.pem"):
            VakwijzerClient(target, tls_ca=os.path.join(self.tmp, "nope.pem"))
        with self.assertRaisesRegex(ValueError, "either credentials or tls_ca"):
            VakwijzerClient(target, tls_ca=self.cert,
                            credentials=grpc.ssl_channel_credentials())


if __name__ == "__main__":
    unittest.main()
