from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from outagewatch.catalog.countries import country_name
from outagewatch.web.worldmap import outline_sprite, render_world_map, sprite_url, world_outlines

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_world_map.py"
SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"-?\d+(?:\.\d)?"
RING = rf"M{NUMBER} {NUMBER}l{NUMBER} {NUMBER}(?: {NUMBER} {NUMBER})*z"
PATH_DATA = re.compile(rf"(?:{RING})+")

Segment = tuple[tuple[float, float], tuple[float, float]]


@pytest.fixture(scope="module")
def build_script() -> ModuleType:
    """The build script is not a package module, so load it from its file."""
    spec = importlib.util.spec_from_file_location("build_world_map", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def segments(path_data: str) -> Iterator[Segment]:
    """Every straight edge of the path data the build writes (m, then relative l steps, z)."""
    for ring in re.findall(RING, path_data):
        numbers = [float(n) for n in re.findall(NUMBER, ring)]
        points = [(numbers[0], numbers[1])]
        for index in range(2, len(numbers), 2):
            x, y = points[-1]
            points.append((x + numbers[index], y + numbers[index + 1]))
        yield from zip(points, [*points[1:], points[0]], strict=True)


def map_width() -> float:
    return float(world_outlines().view_box.split()[2])


def map_height() -> float:
    return float(world_outlines().view_box.split()[3])


def render(counts: dict[str, int]) -> ElementTree.Element:
    svg = render_world_map(counts, title="Reports by country", country_name=country_name)
    return ElementTree.fromstring(svg)


def shaded_countries(svg: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {
        use.attrib["data-country"]: use
        for use in svg.iter(f"{SVG}use")
        if "data-country" in use.attrib
    }


def hover_text(shape: ElementTree.Element) -> str:
    title = shape.find(f"{SVG}title")
    assert title is not None and title.text is not None
    return title.text


def test_the_committed_map_has_every_large_country_as_path_data() -> None:
    outlines = world_outlines()

    assert len(outlines.paths) >= 170
    assert {"GB", "US", "RU", "FJ", "AQ", "CY", "SO", "XK"} <= set(outlines.paths)
    assert all(PATH_DATA.fullmatch(data) for data in outlines.paths.values())
    assert "Natural Earth" in outlines.source


@pytest.mark.parametrize("code", ["RU", "FJ", "US"])
def test_countries_across_the_antimeridian_have_no_edge_across_the_map(code: str) -> None:
    edges = list(segments(world_outlines().paths[code]))

    widest = max(abs(end[0] - start[0]) for start, end in edges)

    assert widest < map_width() / 2


@pytest.mark.parametrize("code", ["RU", "FJ"])
def test_countries_across_the_antimeridian_are_drawn_at_both_edges(code: str) -> None:
    xs = [point[0] for edge in segments(world_outlines().paths[code]) for point in edge]

    assert min(xs) < 5 and max(xs) > map_width() - 5


def test_antarctica_is_closed_around_the_south_pole_below_the_map() -> None:
    edges = list(segments(world_outlines().paths["AQ"]))

    wide_edges = [(start, end) for start, end in edges if abs(end[0] - start[0]) > map_width() / 2]

    assert wide_edges
    assert all(start[1] > map_height() and end[1] > map_height() for start, end in wide_edges)


def test_the_map_draws_the_world_once_then_each_country_with_reports() -> None:
    svg = render({"GB": 3, "DE": 1, "FR": 0})

    world, *shaded = svg.findall(f"{SVG}use")
    assert world.attrib == {"class": "map-0", "href": f"{sprite_url()}#world"}
    assert [use.attrib["data-country"] for use in shaded] == ["GB", "DE"]  # most reports first
    assert shaded[0].attrib["href"] == f"{sprite_url()}#c-GB"
    assert svg.findall(f"{SVG}path") == []  # the outlines are in the sprite, not the page
    assert svg.attrib["role"] == "img"


def test_the_sprite_holds_every_country_once_under_an_id_the_map_refers_to() -> None:
    sprite = ElementTree.fromstring(outline_sprite())

    (world,) = sprite.findall(f"{SVG}g")
    paths = {path.attrib["id"]: path.attrib["d"] for path in world.findall(f"{SVG}path")}
    assert world.attrib["id"] == "world"
    assert paths == {f"c-{code}": data for code, data in world_outlines().paths.items()}
    assert sprite.attrib["viewBox"] == world_outlines().view_box
    assert all("fill" not in path.attrib for path in world)  # the <use> gives the shade


def test_the_sprite_is_served_compressed_and_kept_for_good_under_its_versioned_url(
    client: TestClient,
) -> None:
    versioned = client.get(sprite_url(), headers={"Accept-Encoding": "gzip"})
    unversioned = client.get("/map/world-110m.svg", headers={"Accept-Encoding": "identity"})

    assert versioned.status_code == unversioned.status_code == 200
    assert versioned.headers["content-type"] == "image/svg+xml"
    assert versioned.headers["content-encoding"] == "gzip"
    assert "immutable" in versioned.headers["cache-control"]
    assert versioned.content == outline_sprite()  # httpx decodes the gzip
    assert "content-encoding" not in unversioned.headers
    assert unversioned.headers["cache-control"] == "public, max-age=300"
    assert unversioned.content == outline_sprite()


def test_the_country_with_most_reports_gets_the_darkest_shade() -> None:
    shaded = shaded_countries(render({"US": 100, "GB": 50, "DE": 1}))

    assert shaded["US"].attrib["class"] == "map-5"
    assert shaded["GB"].attrib["class"] == "map-3"
    assert shaded["DE"].attrib["class"] == "map-1"
    assert "FR" not in shaded  # the world underneath is map-0


def test_each_country_names_its_reports_on_hover() -> None:
    shaded = shaded_countries(render({"US": 1_200, "GB": 1}))

    assert hover_text(shaded["US"]) == "United States: 1,200 reports"
    assert hover_text(shaded["GB"]) == "United Kingdom: 1 report"


def test_the_description_names_the_leading_countries_for_screen_readers() -> None:
    desc = render({"US": 60, "GB": 30, "DE": 10}).find(f"{SVG}desc")

    assert desc is not None
    assert desc.text == (
        "Most reports from United States 60 reports (60%), "
        "United Kingdom 30 reports (30%), Germany 10 reports (10%)."
    )


def test_names_and_title_are_escaped() -> None:
    svg_text = render_world_map(
        {"GB": 2},
        title='Reports for "A&B" <now>',
        country_name=lambda code: f"<{code} & co>",
    )

    svg = ElementTree.fromstring(svg_text)

    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == 'Reports for "A&B" <now>'
    assert hover_text(shaded_countries(svg)["GB"]) == "<GB & co>: 2 reports"
    assert "<GB &" not in svg_text


def test_the_map_needs_no_resource_but_the_sprite_of_this_site_and_no_inline_style() -> None:
    svg_text = render_world_map({"GB": 2, "XK": 1}, title="Map", country_name=country_name)

    hrefs = re.findall(r'href="([^"]*)"', svg_text)
    assert len(hrefs) == 3 and all(href.startswith(f"{sprite_url()}#") for href in hrefs)
    assert sprite_url().startswith("/")  # same origin: the Content-Security-Policy allows it
    assert "style=" not in svg_text
    assert "url(" not in svg_text


def tiny_topology(arcs: list[list[list[int]]], rings: list[list[int]]) -> dict[str, Any]:
    """Quantized so one step is one viewBox unit: 0.36° of longitude is 1 of 1000 units."""
    return {
        "type": "Topology",
        "transform": {"scale": [0.36, 0.36], "translate": [-180, -276]},
        "arcs": arcs,
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [{"type": "Polygon", "id": "826", "arcs": rings}],
            }
        },
    }


def test_the_build_decodes_delta_encoded_arcs_into_a_projected_path(
    build_script: ModuleType,
) -> None:
    # Arc 0 runs east then north; arc 1 north then east; the ring takes arc 1 backwards.
    topology = tiny_topology(
        [[[100, 900], [50, 0], [0, 20]], [[100, 900], [0, 20], [50, 0]]], [[0, ~1]]
    )

    world_map: dict[str, Any] = build_script.build_world_map(topology)

    assert world_map["countries"] == {"GB": "M100 100l50 0 0 -20 -50 0z"}
    assert world_map["viewBox"] == "0 0 1000 472"


def test_the_build_draws_a_ring_across_the_antimeridian_at_both_edges(
    build_script: ModuleType,
) -> None:
    # Eastwards from 176.4° to 181.8° and back, each crossing cut at ±180° as Natural Earth does.
    across = [[990, 900], [10, 0], [-1000, 0], [5, 0], [0, 10], [-5, 0], [1000, 0], [-10, 0]]
    topology = tiny_topology([[*across, [0, -10]]], [[0]])

    paths: dict[str, str] = build_script.build_world_map(topology)["countries"]

    assert paths["GB"] == (
        "M990 100l10 0 5 0 0 -10 -5 0 -10 0z"  # the ring, reaching past the right edge
        "M-10 100l10 0 5 0 0 -10 -5 0 -10 0z"  # its copy one turn west, at the left edge
    )


def test_the_committed_map_matches_a_fresh_build(build_script: ModuleType) -> None:
    source = build_script.TOPOLOGY_FILE
    if not source.exists():
        pytest.skip("scripts/map-sources/node_modules is not installed (npm ci)")
    committed = json.loads(Path(build_script.DEFAULT_OUT).read_text(encoding="utf-8"))

    fresh = build_script.build_world_map(json.loads(source.read_text(encoding="utf-8")))

    assert fresh == committed
