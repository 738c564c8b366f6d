#!/usr/bin/env python3
"""A run-time plugin's Match over gRPC beside built-in calls.

Against a running vakwijzerd that serves the organisation "bench" of
run_e2e.py (start it on a folder kept with --keep --work_dir, with
--plugin_dir=build/matcher_plugins), measures the p50 of Health.Check, of
the built-in training matcher and of the example plugin top-gaps for
p000001..p000050 in turn, then the p50 of the first top-gaps call after a
one-rating RecordAssessment (a new snapshot version, whose organisation part
is serialized and parsed again). Prints one line per figure.

  /usr/bin/python3 benchmarks/e2e/plugin_match.py --target=127.0.0.1:50079
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="127.0.0.1:50051")
    ap.add_argument("--build_dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--org", default="bench")
    ap.add_argument("--reps", type=int, default=200, help="calls per figure")
    args = ap.parse_args()
    sys.path[:0] = [os.path.join(args.build_dir, "clients/python/gen")]
    import grpc
    from vakwijzer.v1 import match_pb2, profile_pb2, service_pb2, service_pb2_grpc

    channel = grpc.insecure_channel(args.target)
    match = service_pb2_grpc.MatchServiceStub(channel)
    profiles = service_pb2_grpc.ProfileServiceStub(channel)
    health = channel.unary_unary("/grpc.health.v1.Health/Check",
                                 request_serializer=lambda b: b,
                                 response_deserializer=lambda b: b)
    org = f"organizations/{args.org}"
    people = [f"{org}/people/p{i:06d}" for i in range(1, 51)]

    def request(matcher, i):
        return match_pb2.MatchRequest(parent=org, matcher=matcher,
                                      subject=people[i % len(people)])

    def p50(times):
        times = sorted(times)
        return times[len(times) // 2]

    def timed(call, reps):
        out = []
        for i in range(reps):
            start = time.perf_counter()
            call(i)
            out.append((time.perf_counter() - start) * 1e3)
        return p50(out)

    match.Match(request("top-gaps", 0), timeout=300)  # a host parses once
    print(f"Health.Check p50 {timed(lambda i: health(b''), 2 * args.reps):.3f} ms")
    print(f"training Match p50 {timed(lambda i: match.Match(request('training', i)), args.reps):.3f} ms")
    print(f"top-gaps Match p50, organisation unchanged "
          f"{timed(lambda i: match.Match(request('top-gaps', i), timeout=300), args.reps):.3f} ms")
    indicator = match.Match(request("top-gaps", 0)).items[0].name

    def after_write(i):
        profiles.RecordAssessment(service_pb2.RecordAssessmentRequest(
            parent=people[0], assessment=profile_pb2.Assessment(
                rater_role=profile_pb2.SELF,
                ratings=[profile_pb2.Rating(indicator=indicator, level=2)])))
        start = time.perf_counter()
        match.Match(request("top-gaps", i), timeout=300)
        return (time.perf_counter() - start) * 1e3

    reps = max(10, args.reps // 10)
    print(f"top-gaps Match p50, first call after a write "
          f"{p50([after_write(i) for i in range(reps)]):.3f} ms")


if __name__ == "__main__":
    main()
