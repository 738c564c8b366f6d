#!/usr/bin/python3
"""What an L&D (learning and development) platform might do with Vakwijzer.

For every person of an organisation: fetch the gap report and a training
plan within a budget of 24 study hours, and print one row per person:

    person    track  ready  top gap          first module            hours   cost

Usage (against the demo server of the README, `bash scripts/demo.sh`),
from the repository root:

    /usr/bin/python3 clients/python/examples/ld_platform.py [SERVER [ORG]]

It finds the client next to it and the generated modules in
build/clients/python/gen; elsewhere put both on PYTHONPATH.

SERVER defaults to 127.0.0.1:50051, ORG to "demo". Exits 1 with the
server's message when a call fails.
"""

from __future__ import annotations

import os
import sys

# Run from a source checkout without setting PYTHONPATH: fall back to this
# client's folder and the generated modules of the default build folder.
_HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (
    os.path.join(_HERE, ".."),
    os.path.join(_HERE, "..", "..", "..", "build", "clients", "python", "gen"),
):
    if os.path.isdir(_path) and os.path.abspath(_path) not in map(os.path.abspath, sys.path):
        sys.path.append(_path)

from vakwijzer_client import VakwijzerClient, VakwijzerError  # noqa: E402

BUDGET_HOURS = 24


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def top_gap(report) -> str:
    """The largest gap as "indicator (gap)", or "-" when none."""
    if not report.top_gaps:
        return "-"
    first = report.top_gaps[0]
    for gap in report.indicators:
        if gap.indicator == first:
            return f"{first} ({gap.gap:.1f})"
    return first


def main(argv: list[str]) -> int:
    server = argv[1] if len(argv) > 1 else "127.0.0.1:50051"
    org = argv[2] if len(argv) > 2 else "demo"
    header = f"{'person':<12} {'track':<5} {'ready':>6}  {'top gap':<18} {'first module':<36} {'hours':>5} {'cost':>7}"
    try:
        with VakwijzerClient(server, timeout=30.0) as vw:
            vw.wait_ready(10.0)
            print(f"Training plans within {BUDGET_HOURS} h for organizations/{org} ({server})")
            print(header)
            print("-" * len(header))
            people = 0
            for profile in vw.list_profiles(org):
                person = profile.name.rsplit("/", 1)[-1]
                report = vw.gap_report(org, person, top_n=1)
                plan = vw.training_plan(org, person, budget_hours=BUDGET_HOURS)
                first = plan.items[0].title if plan.items else "(none)"
                hours = plan.metrics.get("hours_used", 0.0)
                cost = plan.metrics.get("cost_used", 0.0)
                print(
                    f"{clip(person, 12):<12} {report.track:<5} "
                    f"{report.overall.readiness:>6.1%}  {top_gap(report):<18} "
                    f"{clip(first, 36):<36} {hours:>5.0f} {cost:>7.0f}"
                )
                people += 1
            print(f"{people} people")
    except VakwijzerError as e:
        print(f"ld_platform: {e.method}: {e.code}: {e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
