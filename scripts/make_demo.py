#!/usr/bin/env python3
"""Generate the Vakwijzer demo organisation (data/demo/demo.textproto).

A text-format `vakwijzer.v1.ImportBundle` for organisation "demo": 42
pseudonymous professionals ("sw-001" ... "sw-042") with a profile (track,
target stage, teams, role, attributes, capacities) and 1..4 assessments by
SELF, PEER, MANAGER and ASSESSOR raters on their own track's indicators,
which are read from the framework file. A rating is a latent level per
cluster and indicator, grown a little over time, plus a rater's deviation,
clamped to 0..4. Built in: juniors aiming at "startbekwaam", future mentors
at "voorbeeld" (4) in clusters 1, 5 and 6, optimistic self-raters (blind
spots), raters who disagree, unrated indicators, and the showcase "sw-001"
of the README demo. random.Random(2021) and no clock: every run writes the
same bytes.
"""

import argparse
import calendar
import math
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
START = calendar.timegm((2025, 1, 15, 0, 0, 0))
END = calendar.timegm((2026, 10, 31, 0, 0, 0))
YEAR = 365.25 * 86400
PEOPLE, HBO_COUNT, JUNIORS, MENTORS, BLIND, DISAGREE = 42, 25, 8, 5, 5, 6
TEAMS = ["team-noord", "team-zuid", "team-oost", "team-west",
         "vroegsignalering", "crisisteam"]
REGIONS = ["Amsterdam-Noord", "Amsterdam-Zuid", "Zaanstad", "Haarlem"]
TEAM_REGION = {"team-noord": "Amsterdam-Noord", "team-zuid": "Amsterdam-Zuid",
               "team-west": "Haarlem"}  # other teams work everywhere
ROLES = {"hbo": ["schuldhulpverlener", "sociaal werker", "financieel coach",
                 "sociaal juridisch dienstverlener", "bewindvoerder",
                 "klantmanager inkomen"],
         "mbo": ["budgetcoach", "preventiemedewerker", "schuldhulpverlener",
                 "klantmanager inkomen", "bewindvoerder"]}
NAMES = {  # language attribute: display names
    "nl": "Jeroen de Vries|Sanne Bakker|Lisa Jansen|Bram Visser|Anouk Smit|"
          "Thijs de Jong|Femke Mulder|Ruud van Dijk|Marloes Bos|Joost Kok|"
          "Inge Vermeulen|Niels Hendriks|Esther van den Berg|Wouter Dekker|"
          "Ilse Brouwer|Koen Schouten|Maaike Postma|Daan van Leeuwen|"
          "Jolanda Kramer|Sjoerd de Graaf|Eva Verbeek|Rob Hoekstra",
    "nl,tr": "Mehmet Yılmaz|Ayşe Demir|Emre Kaya|Elif Çelik|Zeynep Öztürk",
    "nl,ar": "Fatima el Amrani|Mohamed Bouzid|Yasmina el Idrissi|"
             "Karim Benali|Nadia Azzouzi|Said Chaouch",
    "nl,en": "Priya Ramdin|Ravi Jagesar|Anjali Baldewsingh|Sunil Ramsaran",
    "nl,pap": "Shurandy Martina|Gisela Rosalia|Quincy Isenia",
    "nl,ti": "Semhar Tesfay|Yonas Ghebremedhin",
}
# Evidence notes per cluster: (shows the behaviour, still developing).
EVIDENCE = {
    "1": ("Legde na gemiste afspraken via een huisbezoek opnieuw contact.",
          "Wacht nog vaak af tot cliënten zelf contact opnemen."),
    "2": ("Bracht bij een complexe casus schulden en leefgebieden in kaart.",
          "Intakeverslag mist de samenhang tussen schulden en gezondheid."),
    "3": ("Voorkwam met de woningcorporatie een ontruiming.",
          "Zoekt bij tegenstrijdige belangen snel steun bij de manager."),
    "4": ("Legde de gevolgen van een betalingsregeling begrijpelijk uit.",
          "Informatie over toeslagen en voorzieningen was onvolledig."),
    "5": ("Motiveerde een cliënt om zelf de post te openen en te ordenen.",
          "Neemt taken van cliënten snel over in plaats van te activeren."),
    "6": ("Voerde zelfstandig een moeilijk gesprek met een schuldeiser.",
          "Vindt het lastig om bij schuldeisers voet bij stuk te houden."),
    "7": ("Stelde een helder plan van aanpak op met doelen en termijnen.",
          "Dossiers zijn niet altijd bijgewerkt; de planning loopt achter."),
    "8": ("Bracht een beroepsethisch dilemma in tijdens de intervisie.",
          "Reflecteert in de intervisie nog weinig op het eigen handelen."),
}
CLUSTERS = list(EVIDENCE)  # the cluster codes of sfd-2021


def load_framework(path):
    """Returns (framework id, {track: [(indicator id, cluster code)]})."""
    text = path.read_text(encoding="utf-8")
    fid = re.search(r'^id:\s*"([^"]+)"', text, re.M).group(1)
    tracks, cluster = {}, None
    pattern = (r'clusters\s*\{\s*code:\s*"([^"]+)"'
               r'|indicators\s*\{\s*id:\s*"([^"]+)"\s*track:\s*"([^"]+)"')
    for m in re.finditer(pattern, text):
        cluster = m.group(1) or cluster
        if m.group(2):
            tracks.setdefault(m.group(3), []).append((m.group(2), cluster))
    found = sum(len(v) for v in tracks.values())
    if found != len(re.findall(r'\bindicators\s*\{', text)):
        raise SystemExit(f"{path}: could not parse every indicator")
    return fid, tracks


def make_profiles(rng, indicators):
    """Builds the 42 people: profile fields and a latent skill model."""
    ids = [f"sw-{n:03d}" for n in range(1, PEOPLE + 1)]
    rest = rng.sample(ids[2:], PEOPLE - 2)
    juniors, seniors = {"sw-002", *rest[:JUNIORS - 1]}, rest[JUNIORS - 1:]
    mentors = set(seniors[:MENTORS])
    blind = set(seniors[MENTORS:MENTORS + BLIND])
    disagree = set(rng.sample(seniors[MENTORS:], DISAGREE))
    others = ["hbo"] * (HBO_COUNT - 1) + ["mbo"] * (PEOPLE - HBO_COUNT - 1)
    tracks = ["hbo", "mbo"] + rng.sample(others, PEOPLE - 2)
    roles = {t: rng.sample(r, len(r)) for t, r in ROLES.items()}
    names = rng.sample([(n, lang) for lang, ns in NAMES.items()
                        for n in ns.split("|")], PEOPLE)
    people = []
    for pid, track, (name, lang) in zip(ids, tracks, names):
        junior, turn = pid in juniors, tracks[:len(people)].count(track)
        teams = rng.sample(TEAMS, 2 if rng.random() < 0.3 else 1)
        if lang == "nl" and rng.random() < 0.25:
            lang = "nl,en"
        years = rng.randint(1, 2) if junior else rng.randint(3, 25)
        hours = rng.choice(["24", "32", "32", "36", "36"])
        base = rng.uniform(1.5, 2.3) if junior else rng.uniform(2.6, 3.2)
        clusters = {c: base + rng.gauss(0, 0.35) for c in CLUSTERS}
        if not junior and rng.random() < 0.4:
            clusters[rng.choice(CLUSTERS)] = rng.uniform(3.7, 4.2)
        if pid in mentors:
            clusters.update({c: rng.uniform(3.9, 4.3) for c in "156"})
        region = TEAM_REGION.get(teams[0]) or rng.choice(REGIONS)
        mentoring = 2 * (pid in mentors) + (years >= 12) + rng.randint(0, 1)
        p = {"id": pid, "name": name, "track": track, "teams": teams,
             "role": roles[track][turn % len(roles[track])],
             "stage": "startbekwaam" if junior else "vakvolwassen",
             "attributes": {"language": lang, "years_experience": str(years),
                            "contract_hours": hours, "region": region},
             "mentoring": 0 if junior else min(3, mentoring),
             "caseload": rng.randint(10, 18) if junior else
             rng.randint(12 + int(hours) // 4, 4 + int(hours)),
             "clusters": clusters, "noise": 0.06, "modesty": 0.1,
             "growth": 0.2 if junior else 0.05,
             "coverage": rng.uniform(0.6, 1)}
        own = [i for i, _ in indicators[track]]
        p["blind"] = set(rng.sample(own, 5)) if pid in blind else set()
        p["disagree"] = set(rng.sample(own, 3)) if pid in disagree else set()
        people.append(p)
    make_showcase(rng, people[0], indicators["hbo"])
    return people


def make_showcase(rng, p, indicators):
    """sw-001: voorbeeld in cluster 1, gaps in 6 and 7, one blind spot."""
    p.update(stage="vakvolwassen", teams=["team-noord"], mentoring=1,
             role="schuldhulpverlener", caseload=32, noise=0.05, modesty=0.05,
             growth=0.0, coverage=0.85)
    p["attributes"].update(region="Amsterdam-Noord", years_experience="9",
                           contract_hours="36")
    p["clusters"] = {c: 3.1 for c in CLUSTERS} | {"1": 4.1, "6": 1.6, "7": 1.9}
    p["blind"] = {rng.choice([i for i, c in indicators if c == "7"])}


def pick_rater(rng, person, role, people, used):
    """Rater id: the team manager, the assessor, or a senior team peer."""
    fixed = {"SELF": "", "ASSESSOR": "evc-assessor-1",
             "MANAGER": "mgr-" + person["teams"][0].removeprefix("team-")}
    if role in fixed:
        return fixed[role]
    candidates = [q["id"] for q in people if q["id"] != person["id"]
                  and q["id"] not in used and q["teams"][0] in person["teams"]
                  and q["stage"] != "startbekwaam"]
    return rng.choice(candidates or [q["id"] for q in people
                                     if q["id"] not in used | {person["id"]}])


def deviation(rng, person, role, ind, true, last):
    """A rater's step away from the person's true level on one indicator."""
    if role == "SELF":
        if ind in person["blind"]:
            return 1 + (rng.random() < 0.4)
        return -(rng.random() < person["modesty"])
    if ind in person["disagree"] and last:
        return -2 if true >= 2 else 2
    r = rng.random()
    return -1 if r < person["noise"] / 12 else 1 if r < person["noise"] else 0


def make_assessments(rng, person, people, indicators):
    """1..4 assessments in time order, each on 60-100% of the track."""
    own = indicators[person["track"]]
    cluster = dict(own)
    offset = {i: rng.gauss(0, 0.3) for i, _ in own}
    special = person["blind"] | person["disagree"]
    if person["id"] == "sw-001":
        roles = ["SELF", "MANAGER", "PEER", "ASSESSOR"]
    else:
        # Mentors, blind spots and disagreement need a second opinion.
        second = bool(special) or person["mentoring"] >= 2
        n = max(rng.choices([1, 2, 3, 4], [15, 35, 30, 20])[0], 1 + second)
        roles = ["SELF"] if person["blind"] or rng.random() < 0.8 else []
        roles += rng.sample(["MANAGER", "PEER", "ASSESSOR", "PEER"],
                            n - len(roles))
    # Nobody is assessed before they started working here.
    years = int(person["attributes"]["years_experience"])
    first = max(START, END - int(years * YEAR)) // 86400
    days = rng.sample(range(first, END // 86400 + 1), len(roles))
    # Working days and hours only; epoch day 0 was a Thursday.
    times = sorted((d - max(0, (d + 3) % 7 - 4)) * 86400
                   + rng.randint(8 * 3600, 17 * 3600) for d in days)
    minimum = math.ceil(0.6 * len(own))
    keep = set(rng.sample([i for i, _ in own],
                          max(minimum, round(person["coverage"] * len(own)))))
    covered = [i for i, _ in own if i in keep | special]
    result, used = [], set()
    for k, (role, when) in enumerate(zip(roles, times)):
        used.add(rater := pick_rater(rng, person, role, people, used))
        size = rng.randint(min(minimum, len(covered)), len(covered))
        chosen = special | set(rng.sample(covered, size))
        ratings = []
        for ind in (i for i, _ in own if i in chosen):
            true = max(0, min(4, math.floor(
                person["clusters"][cluster[ind]] + offset[ind] + 0.5
                + person["growth"] * (when - START) / YEAR)))
            step = deviation(rng, person, role, ind, true, k == len(roles) - 1)
            level = max(0, min(4, true + step))
            note = ""
            if role != "SELF" and rng.random() < 0.01:
                note = EVIDENCE[cluster[ind]][0 if level >= 3 else 1]
            ratings.append((ind, level, note))
        result.append({"time": when, "role": role, "rater": rater,
                       "ratings": ratings})
    return result


def quote(s):
    """A text-format string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(fid, people, assessments):
    """The ImportBundle in protobuf text format."""
    out = ["# proto-file: proto/vakwijzer/v1/import.proto",
           "# proto-message: vakwijzer.v1.ImportBundle",
           "# Generated by scripts/make_demo.py; do not edit by hand.",
           "", 'organization: "demo"']
    framework = quote(f"frameworks/{fid}")
    for p in people:
        out += ["", "people {", f"  id: {quote(p['id'])}", "  profile {",
                f"    display_name: {quote(p['name'])}",
                f"    framework: {framework}",
                f"    track: {quote(p['track'])}",
                f"    target_stage: {quote(p['stage'])}"]
        out += [f"    teams: {quote(t)}" for t in p["teams"]]
        attributes = dict(p["attributes"])
        languages = attributes.pop("language").split(",")
        region = attributes.pop("region")
        out += [f"    role: {quote(p['role'])}"] + [
            f"    attributes {{ key: {quote(k)} value: {quote(v)} }}"
            for k, v in sorted(attributes.items())]
        out += [f"    languages: {quote(lang)}" for lang in languages]
        # Some room left on most caseloads, none on a few.
        current = max(0, p["caseload"] - (int(p["id"][3:]) * 7) % 11)
        out += [f"    region: {quote(region)}",
                f"    mentoring_capacity: {p['mentoring']}",
                f"    caseload_capacity: {p['caseload']}",
                f"    current_caseload: {current}", "  }"]
        for a in assessments[p["id"]]:
            rater = [f"    rater: {quote(a['rater'])}"] if a["rater"] else []
            out += ["  assessments {",
                    f"    assess_time {{ seconds: {a['time']} }}",
                    f"    rater_role: {a['role']}", *rater,
                    f"    framework: {framework}"]
            for ind, level, note in a["ratings"]:
                note = f" evidence: {quote(note)}" if note else ""
                out.append(f"    ratings {{ indicator: {quote(ind)} "
                           f"level: {level}{note} }}")
            out.append("  }")
        out.append("}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/demo/demo.textproto")
    parser.add_argument("--framework",
                        default="data/frameworks/sfd-2021.textproto")
    args = parser.parse_args()
    fid, indicators = load_framework(ROOT / args.framework)
    rng = random.Random(2021)
    people = make_profiles(rng, indicators)
    assessments = {p["id"]: make_assessments(rng, p, people, indicators)
                   for p in people}
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(fid, people, assessments), encoding="utf-8")


if __name__ == "__main__":
    main()
