#!/usr/bin/env python3
"""Build the world map's SVG path data from pinned npm inputs.

Reads world-atlas's ``countries-110m.json`` (TopoJSON, Natural Earth 1:110m) and writes
``src/outagewatch/web/data/world-110m.json``: one SVG path per ISO 3166-1 alpha-2 code, already
projected (equirectangular) into a fixed viewBox, which ``outagewatch.web.worldmap`` colours in.

The output is committed, so neither npm nor the network is needed at run time. Only this build
reads ``scripts/map-sources/node_modules``, whose versions ``package-lock.json`` pins.

    python scripts/build_world_map.py [--out FILE]

Three shapes have no ISO numeric code. Northern Cyprus and Somaliland are drawn as part of Cyprus
and Somalia, as ISO 3166 and the address registries see them, so reports counted there colour
them. Kosovo keeps its own shape under ``XK``, the user-assigned code the EU and CLDR use; no
report is counted under it (it is not in ISO 3166), so it stays neutral land, not a hole.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

import pycountry

REPO_ROOT = Path(__file__).resolve().parents[1]
MAP_SOURCES_DIR = REPO_ROOT / "scripts" / "map-sources"
PINNED_PACKAGE = "world-atlas"
TOPOLOGY_FILE = MAP_SOURCES_DIR / "node_modules" / PINNED_PACKAGE / "countries-110m.json"
DEFAULT_OUT = REPO_ROOT / "src" / "outagewatch" / "web" / "data" / "world-110m.json"

SOURCE_CREDIT = (
    "Made with Natural Earth (public domain), 1:110m countries, "
    "via world-atlas 2.0.2 by Mike Bostock (ISC licence)"
)

# Equirectangular: x and y are proportional to longitude and latitude. The band is cut just above
# Greenland's north tip (83.6°N) and just below the data's southern edge (85.6°S), so the map
# wastes no blank strip yet keeps Antarctica.
MAP_WIDTH = 1000  # viewBox units
NORTH_EDGE = 84.0  # degrees of latitude
SOUTH_EDGE = -86.0  # degrees of latitude
UNITS_PER_DEGREE = MAP_WIDTH / 360
MAP_HEIGHT = round((NORTH_EDGE - SOUTH_EDGE) * UNITS_PER_DEGREE)
# A tenth of a unit is 0.036° of longitude, far finer than the 1:110m data, and keeping integer
# tenths lets the path use exact relative moves: no rounding error adds up along a coastline.
TENTHS_PER_UNIT = 10

# Shapes with no ISO numeric code, keyed by world-atlas's name for them.
KEY_FOR_UNCODED_SHAPE = {"N. Cyprus": "CY", "Somaliland": "SO", "Kosovo": "XK"}
NAME_FOR_UNOFFICIAL_KEY = {"XK": "Kosovo"}

Point = tuple[float, float]  # (longitude, latitude) in degrees
GridPoint = tuple[int, int]  # (x, y) in tenths of a viewBox unit


class BuildError(Exception):
    """A problem the person running the build has to fix; the message says what to do."""


# --- Pinned npm input --------------------------------------------------------------------------


def locked_version() -> str:
    lock = json.loads((MAP_SOURCES_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{PINNED_PACKAGE}"]["version"])


def installed_version() -> str | None:
    manifest = MAP_SOURCES_DIR / "node_modules" / PINNED_PACKAGE / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def ensure_npm_input() -> None:
    """Install exactly the locked package, unless it is installed already."""
    if installed_version() == locked_version():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed once to fetch the pinned map data: install Node.js")
    command = [npm, "ci", "--no-audit", "--no-fund"]
    if subprocess.run(command, cwd=MAP_SOURCES_DIR, stdout=sys.stderr, check=False).returncode:
        raise BuildError(f"`npm ci` failed in {MAP_SOURCES_DIR}; its output above says why")
    if installed_version() != locked_version():
        raise BuildError(f"npm ci did not install the version pinned in {MAP_SOURCES_DIR}")


# --- TopoJSON ----------------------------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc in degrees: positions are quantized integers, each a delta from the one before."""
    scale_x, scale_y = topology["transform"]["scale"]
    translate_x, translate_y = topology["transform"]["translate"]
    arcs = []
    for encoded in topology["arcs"]:
        xs = accumulate(delta_x for delta_x, _ in encoded)
        ys = accumulate(delta_y for _, delta_y in encoded)
        arcs.append(
            [
                (x * scale_x + translate_x, y * scale_y + translate_y)
                for x, y in zip(xs, ys, strict=True)
            ]
        )
    return arcs


def ring_points(arc_indexes: Sequence[int], arcs: Sequence[list[Point]]) -> list[Point]:
    """Join a ring's arcs; index ~i means arc i backwards, and joined arcs share an end point."""
    points: list[Point] = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def geometry_rings(geometry: dict[str, Any]) -> list[list[int]]:
    """Holes (Lesotho in South Africa) are wound the other way, so SVG leaves them unfilled."""
    if geometry["type"] == "Polygon":
        return list(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    return []


def country_key(geometry: dict[str, Any]) -> str | None:
    numeric = geometry.get("id")
    country = pycountry.countries.get(numeric=numeric) if numeric else None
    if country is not None:
        return str(country.alpha_2)
    return KEY_FOR_UNCODED_SHAPE.get(geometry.get("properties", {}).get("name", ""))


# --- The antimeridian --------------------------------------------------------------------------


def unwrap_longitudes(ring: Sequence[Point]) -> list[Point]:
    """Shift longitudes by whole turns so consecutive points are never more than 180° apart.

    Natural Earth cuts land at ±180°, so a ring across it steps from 179.9° to -180°: drawn as
    is, that step is a line across the whole map. The result is centred on the map, so at most
    a small part of it lies beyond ±180° (see ``copies_across_antimeridian``).
    """
    if not ring:
        return []
    unwrapped = [ring[0]]
    for longitude, latitude in ring[1:]:
        previous = unwrapped[-1][0]
        longitude += 360 * round((previous - longitude) / 360)
        unwrapped.append((longitude, latitude))
    middle = (min(p[0] for p in unwrapped) + max(p[0] for p in unwrapped)) / 2
    turns = round(middle / 360)
    return [(longitude - 360 * turns, latitude) for longitude, latitude in unwrapped]


def close_around_pole(ring: list[Point]) -> list[Point]:
    """A ring that goes once around the globe (Antarctica) encloses a pole: close it there.

    Otherwise its closing edge would run straight back across the map and leave the land between
    the coast and the pole unfilled. The pole lies outside the viewBox, so the detour is clipped.
    """
    if len(ring) < 2 or abs(ring[-1][0] - ring[0][0]) < 180:
        return ring
    pole = -90.0 if sum(latitude for _, latitude in ring) < 0 else 90.0
    return [*ring, (ring[-1][0], pole), (ring[0][0], pole)]


def copies_across_antimeridian(ring: list[Point]) -> list[list[Point]]:
    """The ring, plus a copy one turn over for any part beyond ±180°, which the viewBox clips."""
    copies = [ring]
    if max(longitude for longitude, _ in ring) > 180:
        copies.append([(longitude - 360, latitude) for longitude, latitude in ring])
    if min(longitude for longitude, _ in ring) < -180:
        copies.append([(longitude + 360, latitude) for longitude, latitude in ring])
    return copies


# --- Projection and SVG path data --------------------------------------------------------------


def project(point: Point) -> GridPoint:
    longitude, latitude = point
    x = (longitude + 180) * UNITS_PER_DEGREE
    y = (NORTH_EDGE - latitude) * UNITS_PER_DEGREE
    return round(x * TENTHS_PER_UNIT), round(y * TENTHS_PER_UNIT)


def tenths(value: int) -> str:
    return f"{value / TENTHS_PER_UNIT:g}"  # 6 significant digits: exact for the map's range


def ring_path(ring: Sequence[Point]) -> str:
    """``m`` to the first point, then relative line steps, so most numbers are short.

    Points that round to the one before are dropped: at this scale that is the only
    simplification worth its code (it shrinks the file by a third).
    """
    grid: list[GridPoint] = []
    for point in map(project, ring):
        if not grid or point != grid[-1]:
            grid.append(point)
    if len(grid) > 1 and grid[-1] == grid[0]:
        grid.pop()  # Z draws the closing edge
    if len(grid) < 3:
        return ""
    start_x, start_y = grid[0]
    moves = " ".join(f"{tenths(x - px)} {tenths(y - py)}" for (px, py), (x, y) in pairwise(grid))
    return f"M{tenths(start_x)} {tenths(start_y)}l{moves}z"


def country_paths(topology: dict[str, Any]) -> dict[str, str]:
    arcs = decode_arcs(topology)
    paths: defaultdict[str, list[str]] = defaultdict(list)
    for geometry in topology["objects"]["countries"]["geometries"]:
        key = country_key(geometry)
        if key is None:
            continue
        for arc_indexes in geometry_rings(geometry):
            ring = close_around_pole(unwrap_longitudes(ring_points(arc_indexes, arcs)))
            for copy in copies_across_antimeridian(ring):
                if path := ring_path(copy):
                    paths[key].append(path)
    return {key: "".join(paths[key]) for key in sorted(paths)}


def build_world_map(topology: dict[str, Any]) -> dict[str, Any]:
    countries = country_paths(topology)
    return {
        "source": SOURCE_CREDIT,
        "viewBox": f"0 0 {MAP_WIDTH} {MAP_HEIGHT}",
        "names": {key: name for key, name in NAME_FOR_UNOFFICIAL_KEY.items() if key in countries},
        "countries": countries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON file to write")
    arguments = parser.parse_args(argv)
    try:
        ensure_npm_input()
    except BuildError as error:
        print(f"build_world_map: {error}", file=sys.stderr)
        return 1
    topology = json.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    world_map = build_world_map(topology)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(world_map, ensure_ascii=False, separators=(",", ":")) + "\n"
    arguments.out.write_text(text, encoding="utf-8")
    print(
        f"{arguments.out}: {len(world_map['countries'])} countries, "
        f"{len(text.encode()) / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
