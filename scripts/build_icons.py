#!/usr/bin/env python3
"""Build the icon of every catalog service from pinned npm inputs.

For each service this writes ``src/outagewatch/web/static/icons/<slug>.svg``: the brand's logo
from simple-icons, drawn in its brand colour, when simple-icons carries it under a licence we may
use; otherwise a monogram (initials on a rounded square). ``catalog/data/icons.json`` records
which kind each icon is and the credit a licensed logo needs.

The output is committed, so neither npm nor the network is needed at run time. Only this build
reads ``scripts/icon-sources/node_modules``, whose versions ``package-lock.json`` pins.

    python scripts/build_icons.py [--catalog-dir DIR] [--out-dir DIR] [--icons-json FILE]

Matching a service to a simple-icons logo is deliberately conservative, because a wrong logo is
worse than a monogram: see ``find_logo``. A curator settles any doubt with ``simple_icon:`` in the
catalog entry (setting it to our own slug confirms a match this script would not make alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
ICON_SOURCES_DIR = REPO_ROOT / "scripts" / "icon-sources"
NODE_MODULES = ICON_SOURCES_DIR / "node_modules"
PINNED_PACKAGES = ("simple-icons", "brand-colors")
DEFAULT_CATALOG_DIR = REPO_ROOT / "src" / "outagewatch" / "catalog" / "data" / "services"
DEFAULT_ICONS_DIR = REPO_ROOT / "src" / "outagewatch" / "web" / "static" / "icons"
DEFAULT_ICONS_JSON = REPO_ROOT / "src" / "outagewatch" / "catalog" / "data" / "icons.json"

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"

WHITE = "FFFFFF"
NEAR_BLACK = "1A1A1A"
DARK_TILE = "1F2328"
# A logo whose colour has less contrast than this against a white page nearly vanishes (white,
# pale yellow), so it goes on a dark tile. WCAG asks 3:1 of graphics, but tiling every mid-tone
# (Spotify green, Orange) would lose the plain logo look for little gain.
MIN_CONTRAST_ON_WHITE = 1.7  # contrast ratio
TILE_CORNER_RADIUS = 5  # px of the 24 px viewBox
TILE_LOGO_SCALE = 0.75  # the logo fills 18 of the tile's 24 px

Kind = Literal["simple-icons", "monogram"]
ColourOrigin = Literal["simple-icons", "brand-colors", "slug hash"]


class BuildError(Exception):
    """A problem the person running the build has to fix; the message says what to do."""


# --- Pinned npm inputs -------------------------------------------------------------------------


def locked_versions() -> dict[str, str]:
    lock = json.loads((ICON_SOURCES_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in PINNED_PACKAGES}


def installed_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PINNED_PACKAGES:
        manifest = NODE_MODULES / name / "package.json"
        versions[name] = (
            json.loads(manifest.read_text(encoding="utf-8"))["version"]
            if manifest.exists()
            else None
        )
    return versions


def ensure_npm_inputs() -> None:
    """Install exactly the locked packages, unless they are installed already.

    Comparing versions rather than only checking that node_modules exists also catches a
    node_modules left over from before the pins changed.
    """
    if installed_versions() == locked_versions():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed once to fetch the pinned icon sources: install Node.js")
    # npm's progress goes to stderr, so stdout carries only the summary.
    command = [npm, "ci", "--no-audit", "--no-fund"]
    if subprocess.run(command, cwd=ICON_SOURCES_DIR, stdout=sys.stderr, check=False).returncode:
        raise BuildError(f"`npm ci` failed in {ICON_SOURCES_DIR}; its output above says why")
    if installed_versions() != locked_versions():
        raise BuildError(f"npm ci did not install the versions pinned in {ICON_SOURCES_DIR}")


# --- The catalog -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    url: str
    owner: str | None
    aliases: tuple[str, ...]
    simple_icon: str | None


def load_services(catalog_dir: Path) -> list[Service]:
    """Read every services/*.yaml file, sorted by slug; a malformed entry stops the build."""
    services: dict[str, Service] = {}
    first_seen: dict[str, str] = {}
    for path in sorted(catalog_dir.glob("*.yaml")):
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as error:
            raise BuildError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(entries, list):
            raise BuildError(f"{path}: expected a YAML list of services")
        for position, entry in enumerate(entries, start=1):
            where = f"{path.name}, entry {position}"
            service = service_from_entry(entry, where=where)
            if service.slug in services:
                raise BuildError(
                    f"{where}: slug {service.slug!r} is already used by {first_seen[service.slug]}"
                )
            services[service.slug] = service
            first_seen[service.slug] = where
    return [services[slug] for slug in sorted(services)]


def service_from_entry(entry: Any, *, where: str) -> Service:
    if not isinstance(entry, dict):
        raise BuildError(f"{where}: expected a mapping")
    slug, name, url = (entry.get(key) for key in ("slug", "name", "url"))
    # The slug becomes a file name, so it must be exactly what the schema allows.
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise BuildError(f"{where}: slug must match [a-z0-9-]+, got {slug!r}")
    if not isinstance(name, str) or not name.strip():
        raise BuildError(f"{where}: service {slug!r} needs a name")
    return Service(
        slug=slug,
        name=name.strip(),
        url=str(url or ""),
        owner=str(entry["owner"]) if entry.get("owner") else None,
        aliases=tuple(str(alias) for alias in entry.get("aliases") or ()),
        simple_icon=str(entry["simple_icon"]) if entry.get("simple_icon") else None,
    )


# --- simple-icons and brand-colors -------------------------------------------------------------


@dataclass(frozen=True)
class SimpleIcon:
    slug: str
    title: str
    hex: str
    source_urls: tuple[str, ...]  # where the logo came from and the brand's guidelines
    license_type: str | None  # None: the package licence, CC0
    license_url: str | None


@dataclass(frozen=True)
class IconName:
    """One name under which simple-icons lists a logo."""

    icon: SimpleIcon
    is_title: bool  # the title or a translation of it, not a nickname, old name or other brand
    hex: str  # another brand sharing the logo ("dup") can have its own colour
    source_urls: tuple[str, ...]


NO_LOGO = "none"


def load_simple_icons() -> tuple[dict[str, SimpleIcon], dict[str, list[IconName]]]:
    """Return the icons by slug, and every name they go by, normalised, with its icon."""
    data_file = NODE_MODULES / "simple-icons" / "data" / "simple-icons.json"
    icons_by_slug: dict[str, SimpleIcon] = {}
    names: dict[str, list[IconName]] = defaultdict(list)
    for raw in json.loads(data_file.read_text(encoding="utf-8")):
        license_info = raw.get("license") or {}
        icon = SimpleIcon(
            slug=raw["slug"],
            title=raw["title"],
            hex=raw["hex"].upper(),
            source_urls=urls_of(raw),
            license_type=license_info.get("type"),
            license_url=license_info.get("url"),
        )
        icons_by_slug[icon.slug] = icon
        for name, icon_name in names_of(icon, raw.get("aliases") or {}):
            names[normalise(name)].append(icon_name)
    return icons_by_slug, names


def urls_of(raw: dict[str, Any]) -> tuple[str, ...]:
    return tuple(raw[key] for key in ("source", "guidelines") if raw.get(key))


def names_of(icon: SimpleIcon, aliases: dict[str, Any]) -> Iterator[tuple[str, IconName]]:
    for title in [icon.title, *(aliases.get("loc") or {}).values()]:
        yield title, IconName(icon, is_title=True, hex=icon.hex, source_urls=icon.source_urls)
    for nickname in [*aliases.get("aka", []), *aliases.get("old", [])]:
        yield nickname, IconName(icon, is_title=False, hex=icon.hex, source_urls=icon.source_urls)
    for other_brand in aliases.get("dup", []):
        yield (
            other_brand["title"],
            IconName(
                icon,
                is_title=False,
                hex=other_brand.get("hex", icon.hex).upper(),
                source_urls=urls_of(other_brand) or icon.source_urls,
            ),
        )


def load_logo_paths(icon: SimpleIcon) -> list[str]:
    svg_file = NODE_MODULES / "simple-icons" / "icons" / f"{icon.slug}.svg"
    root = ElementTree.fromstring(svg_file.read_text(encoding="utf-8"))
    return [path.attrib["d"] for path in root.iter(f"{SVG_NAMESPACE}path")]


def load_brand_colours() -> dict[str, str]:
    """Normalised brand name -> RRGGBB, keeping each brand's main colour only.

    brand-colors lists further colours of a brand as "<key>-2", "<key>-3" ...
    """
    data_file = NODE_MODULES / "brand-colors" / "data" / "brandColors.json"
    colours: dict[str, str] = json.loads(data_file.read_text(encoding="utf-8"))
    main_colours: dict[str, str] = {}
    for key, colour in sorted(colours.items()):
        base, _, number = key.rpartition("-")
        if number.isdigit() and base in colours:
            continue
        main_colours.setdefault(normalise(key), colour.lstrip("#").upper())
    return main_colours


def normalise(name: str) -> str:
    """Lowercase letters and digits, accents dropped: "Société Générale" -> "societegenerale"."""
    decomposed = unicodedata.normalize("NFKD", name).casefold()
    return "".join(char for char in decomposed if char.isalnum())


# --- Licences ----------------------------------------------------------------------------------


class LicenceVerdict(Enum):
    FREE = "free"  # use as is
    CREDIT = "credit"  # use, and credit the source
    FORBIDDEN = "forbidden"


FREE_LICENCES = {"CC0-1.0", "Unlicense", "0BSD"}
# Permissive licences ask to keep the author's notice; CC-BY(-SA) asks for a credit. Anything
# not listed (non-commercial, no-derivatives, custom, GPL family, and also MPL, whose file-level
# copyleft we would rather not take on for a logo) is skipped.
CREDIT_LICENCE_PATTERN = re.compile(
    r"MIT|ISC|Apache-2\.0|BSD-[23]-Clause|CC-BY-\d\.\d|CC-BY-SA-\d\.\d"
)


def licence_verdict(license_type: str | None) -> LicenceVerdict:
    if license_type is None or license_type in FREE_LICENCES:
        return LicenceVerdict.FREE
    if CREDIT_LICENCE_PATTERN.fullmatch(license_type):
        return LicenceVerdict.CREDIT
    return LicenceVerdict.FORBIDDEN


def credit_for(icon: SimpleIcon, licence: str) -> str:
    licence_url = icon.license_url or f"https://spdx.org/licenses/{licence}.html"
    return (
        f"{icon.title} logo from {icon.source_urls[0]}, via Simple Icons, {licence} ({licence_url})"
    )


# --- Does a logo's source belong to the service's brand? ---------------------------------------


class Evidence(Enum):
    AGREES = "agrees"
    UNKNOWN = "unknown"
    CONTRADICTS = "contradicts"


# Hosts where anyone can put a file: a logo found there says nothing about whose brand it is.
NEUTRAL_DOMAINS = {
    "archive.org", "brandfetch.com", "brandfolder.com", "brandpad.io", "codeberg.org",
    "dropbox.com", "figma.com", "frontify.com", "github.com", "github.io", "githubusercontent.com",
    "gitlab.com", "gstatic.com", "imgur.com", "invisionapp.com", "mediaroom.com", "netlify.app",
    "notion.site", "tiled.co", "vercel.app", "webflow.io", "widencollective.com",
    "wikimedia.org", "wikipedia.org",
}  # fmt: skip
NEUTRAL_HOSTS = {
    "apps.apple.com", "docs.google.com", "drive.google.com", "itunes.apple.com",
    "play.google.com", "sites.google.com",
}  # fmt: skip
# Second-level labels under a country code: vodafone.com.eg, bt.co.uk.
SECOND_LEVEL_LABELS = {"ac", "co", "com", "edu", "go", "gob", "gov", "ne", "net", "or", "org"}
# Country codes sold as generic names (tiktok.io, claude.ai); they say nothing about a country.
GENERIC_COUNTRY_CODES = {"ai", "cc", "co", "fm", "gg", "io", "ly", "me", "sh", "so", "to", "tv"}
# Top-level domains where a name is taken to be the same brand as elsewhere: classic ones, and
# .design, which brands use for their own design portal (klarna.design, atlassian.design).
TRUSTED_TOP_LEVELS = {"com", "net", "org", "design"}
# Labels that name a page's purpose rather than its owner (brand.zoom.us, about.meta.com).
PURPOSE_LABELS = {
    "about", "assets", "blog", "brand", "brands", "design", "developer", "developers", "docs",
    "en", "help", "home", "m", "media", "news", "newsroom", "press", "store", "support", "web",
    "www",
}  # fmt: skip
# Words of a company name too common to tie it to a site: "Charter Communications".
GENERIC_OWNER_WORDS = {
    "ab", "ag", "bank", "co", "communications", "company", "corp", "corporation", "digital",
    "gmbh", "group", "holding", "holdings", "inc", "international", "limited", "llc", "ltd",
    "media", "network", "networks", "online", "pbc", "plc", "sa", "services", "social",
    "software", "technologies", "technology", "the",
}  # fmt: skip
MIN_CONTAINED_NAME = 4  # characters; "google" in "withgoogle" counts, "art" in "partner" not
# Our name plus one of these is the brand's own corporate or press site (redditinc.com,
# gotinder.com, deezerbrand.com); plus anything else it may be another brand's: rust-lang.org
# is not Rust the game. Two-letter country affixes count too (boots-uk.com).
BRAND_SITE_AFFIXES = {
    "brand", "brands", "corp", "design", "designsystem", "forbrands", "get", "go", "group",
    "holdings", "hq", "inc", "join", "media", "my", "press", "try", "use", "with",
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    brand: str  # the label left of the public suffix, normalised: "vodafone"
    suffix: str  # "com.eg"
    labels: tuple[str, ...]  # the brand and subdomains that may name the owner

    @property
    def registrable_domain(self) -> str:
        return f"{self.brand}.{self.suffix}"

    @property
    def top_level(self) -> str:
        return self.suffix.rsplit(".", 1)[-1]

    @property
    def is_neutral(self) -> bool:
        return self.registrable_domain in NEUTRAL_DOMAINS

    @property
    def has_trusted_suffix(self) -> bool:
        if self.top_level in TRUSTED_TOP_LEVELS:
            return True
        return len(self.top_level) == 2 and self.top_level not in GENERIC_COUNTRY_CODES


def parse_site(url: str) -> Site | None:
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    if len(labels) < 2 or host in NEUTRAL_HOSTS:
        return None
    under_country_code = len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_LABELS
    suffix_length = 2 if len(labels) >= 3 and under_country_code else 1
    brand = labels[-suffix_length - 1]
    subdomains = labels[: -suffix_length - 1]
    return Site(
        brand=normalise(brand),
        suffix=".".join(labels[-suffix_length:]),
        labels=tuple(
            normalise(label) for label in [*subdomains, brand] if label not in PURPOSE_LABELS
        ),
    )


def names_related(first: str, second: str) -> bool:
    """Equal, or one contains the other: "google" and "withgoogle"."""
    shorter, longer = sorted((first, second), key=len)
    return shorter == longer or (len(shorter) >= MIN_CONTAINED_NAME and shorter in longer)


def same_brand_site(ours: Site, theirs: Site) -> bool:
    if ours.registrable_domain == theirs.registrable_domain:
        return True
    if ours.brand == theirs.top_level:
        return True  # the brand's own top-level domain: barclays.co.uk and home.barclays
    # vodafone.co.uk and vodafone.com.eg are one brand in two countries, but spectrum.chat is
    # not spectrum.net: a shared name counts only across trusted suffixes. This guesses that two
    # firms of one name rarely both hold country or .com sites.
    return ours.brand == theirs.brand and ours.has_trusted_suffix and theirs.has_trusted_suffix


def owner_names(owner: str | None) -> list[str]:
    """The owner's name and its distinctive words: "Meta Platforms" -> metaplatforms, meta..."""
    words = [normalise(word) for word in (owner or "").split()]
    significant = [word for word in words if len(word) >= 3 and word not in GENERIC_OWNER_WORDS]
    return ["".join(significant), *significant] if significant else []


def source_evidence(service: Service, source_urls: tuple[str, ...]) -> Evidence:
    """Compare the sites a logo came from with the service's site and owner.

    Two brands can share a name (Max the streaming service, Max the music software), and name
    matching cannot tell them apart. The site a logo came from can: about.meta.com fits
    Instagram (owner Meta), developer.apple.com does not fit SWIFT.
    """
    their_sites = [site for site in map(parse_site, source_urls) if site and not site.is_neutral]
    if not their_sites:
        return Evidence.UNKNOWN
    our_site = parse_site(service.url)
    our_names = {normalise(service.name), our_site.brand if our_site else ""} - {""}
    owner = set(owner_names(service.owner)) - our_names
    for theirs in their_sites:
        if our_site and same_brand_site(our_site, theirs):
            return Evidence.AGREES
        if any(label_names_us(label, our_names, owner) for label in theirs.labels):
            return Evidence.AGREES
    return Evidence.CONTRADICTS


def label_names_us(label: str, our_names: set[str], owner: set[str]) -> bool:
    """Whether a label of the logo's site names our brand (other than by the same site)."""
    # A label merely equal to our name proves nothing, as a same-named brand has it too
    # (spectrum.chat is not Spectrum the ISP).
    if any(is_brand_site_label(label, name) for name in our_names):
        return True
    return any(names_related(owner_name, label) for owner_name in owner)


def is_brand_site_label(label: str, name: str) -> bool:
    if len(name) < MIN_CONTAINED_NAME or label == name:
        return False
    if label.startswith(name):
        affix = label[len(name) :]
    elif label.endswith(name):
        affix = label[: -len(name)]
    else:
        return False
    return affix in BRAND_SITE_AFFIXES or (len(affix) == 2 and affix.isalpha())


# --- Choosing a logo ---------------------------------------------------------------------------


@dataclass
class Findings:
    """What the summary reports besides the counts: what a curator may want to look at."""

    skipped_licences: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Logo:
    icon: SimpleIcon
    hex: str


# Brands whose logos simple-icons removed, as their owners' terms or requests do not allow them
# (Microsoft's brands, LinkedIn among them: simple-icons issue #11236 and PR #10019; OpenAI:
# PR #13944; see its DISCLAIMER.md, "Removal of Brands"). simple-icons 16.37.0 lists none of these
# names; should a later version list one as another name of some other logo, matching through it
# must not draw that logo for them, so these services keep a monogram. Normalised names.
# Not T-Mobile: simple-icons renamed its T-Mobile icon to Deutsche Telekom (PR #11912) and keeps
# "T-Mobile" as another name of it; the T-Mobile entries name that logo with `simple_icon:`.
REMOVED_FROM_SIMPLE_ICONS = {
    "amazon", "amazonwebservices", "aws", "disney", "disneyplus", "linkedin", "microsoft",
    "microsoftteams", "nintendo", "openai", "outlook", "slack", "xbox",
}  # fmt: skip


def find_logo(
    service: Service,
    *,
    icons_by_slug: dict[str, SimpleIcon],
    icon_names: dict[str, list[IconName]],
    findings: Findings,
) -> Logo | None:
    """The simple-icons logo we may draw for a service, or None for a monogram."""
    logo = (
        logo_named_by_curator(service, icons_by_slug, findings)
        if service.simple_icon
        else logo_matching_names(service, icon_names, findings)
    )
    if logo is None:
        return None
    if licence_verdict(logo.icon.license_type) is LicenceVerdict.FORBIDDEN:
        findings.skipped_licences[str(logo.icon.license_type)].append(service.slug)
        return None
    return logo


def logo_named_by_curator(
    service: Service, icons_by_slug: dict[str, SimpleIcon], findings: Findings
) -> Logo | None:
    if service.simple_icon == NO_LOGO:
        return None  # the curator checked: the look-alike logo belongs to another brand
    icon = icons_by_slug.get(str(service.simple_icon))
    if icon is None:
        findings.notes.append(
            f"{service.slug}: simple_icon {service.simple_icon!r} is not in simple-icons"
        )
        return None
    return Logo(icon, icon.hex)


@dataclass(frozen=True)
class Candidate:
    logo: Logo
    same_name: bool  # our name equals the logo's title
    evidence: Evidence

    @property
    def rank(self) -> tuple[bool, bool]:
        # Our very name beats an alias (KakaoTalk's own logo, not Kakao's); then a confirming site.
        return (self.same_name, self.evidence is Evidence.AGREES)


def logo_matching_names(
    service: Service, icon_names: dict[str, list[IconName]], findings: Findings
) -> Logo | None:
    """Match our name against simple-icons titles, and other names only with supporting evidence.

    Our name equal to a title is a match unless the logo's source site points to someone else.
    Anything looser (our aliases or slug, simple-icons nicknames, old names and brands sharing a
    logo) is a match only when the source site or owner positively agrees, as aliases tend to be
    short or generic ("tik tok" is fine, "bob" is not).
    """
    our_name = normalise(service.name)
    our_names = {our_name, *(normalise(alias) for alias in (*service.aliases, service.slug))}
    candidates: dict[str, Candidate] = {}
    doubts: dict[str, str] = {}
    for name in sorted(our_names - REMOVED_FROM_SIMPLE_ICONS - {""}):
        for icon_name in icon_names.get(name, []):
            slug = icon_name.icon.slug
            evidence = source_evidence(service, icon_name.source_urls)
            same_name = name == our_name and icon_name.is_title
            if evidence is Evidence.AGREES or (same_name and evidence is Evidence.UNKNOWN):
                candidate = Candidate(Logo(icon_name.icon, icon_name.hex), same_name, evidence)
                if slug not in candidates or candidate.rank > candidates[slug].rank:
                    candidates[slug] = candidate
            elif same_name:
                doubts[slug] = f"its source {icon_name.source_urls[0]} does not fit {service.url}"
            else:
                doubts.setdefault(slug, f"only the name {name!r} matches; nothing confirms it")
    best = max((candidate.rank for candidate in candidates.values()), default=None)
    chosen = sorted(slug for slug, candidate in candidates.items() if candidate.rank == best)
    for slug, reason in sorted(doubts.items()):
        if slug not in candidates:
            findings.notes.append(
                f"{service.slug}: not using simple-icons {slug!r}, {reason} "
                f"(set simple_icon: {slug} if it is the same brand)"
            )
    if len(chosen) > 1:
        findings.notes.append(
            f"{service.slug}: several simple-icons logos fit equally ({', '.join(chosen)}); "
            "set simple_icon to choose"
        )
        return None
    return candidates[chosen[0]].logo if chosen else None


# --- Colours -----------------------------------------------------------------------------------


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an RRGGBB colour."""
    channels = (int(hex_colour[index : index + 2], 16) / 255 for index in (0, 2, 4))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def nearly_invisible_on_white(hex_colour: str) -> bool:
    return contrast_ratio(hex_colour, WHITE) < MIN_CONTRAST_ON_WHITE


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on the background (WCAG contrast)."""
    if contrast_ratio(WHITE, background) >= contrast_ratio(NEAR_BLACK, background):
        return WHITE
    return NEAR_BLACK


# Monogram colours for brands we know no colour of: distinct hues, each dark enough for white
# initials at WCAG AA (4.5:1 or better).
FALLBACK_PALETTE = (
    "1D4ED8", "4338CA", "6D28D9", "A21CAF", "BE185D", "B91C1C", "C2410C", "A16207", "4D7C0F",
    "15803D", "0F766E", "0E7490", "475569",
)  # fmt: skip


def colour_from_slug(slug: str) -> str:
    """A colour from the fallback palette, the same for a slug on every run and machine."""
    digest = hashlib.sha256(slug.encode()).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:4], "big") % len(FALLBACK_PALETTE)]


# --- SVG ---------------------------------------------------------------------------------------

# Words that do not make an initial: "Bank of America" -> "BA".
MINOR_WORDS = {
    "a", "an", "and", "de", "del", "der", "des", "die", "du", "et", "for", "la", "le", "of",
    "the", "und", "y",
}  # fmt: skip


def svg_document(title: str, body: str, *, comment: str | None = None) -> str:
    comment_line = f"<!-- {escape(comment).replace('--', '-')} -->\n" if comment else ""
    return (
        f"{comment_line}"
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"'
        f' role="img"><title>{escape(title)}</title>{body}</svg>\n'
    )


def tile(hex_colour: str) -> str:
    # A faint outline keeps a very light tile's edge visible on a white page.
    outline = (
        ' stroke="#000000" stroke-opacity="0.15" stroke-width="1"'
        if nearly_invisible_on_white(hex_colour)
        else ""
    )
    inset = 0.5 if outline else 0
    size = 24 - 2 * inset
    return (
        f'<rect x="{inset:g}" y="{inset:g}" width="{size:g}" height="{size:g}"'
        f' rx="{TILE_CORNER_RADIUS}" fill="#{hex_colour}"{outline}/>'
    )


def logo_svg(service: Service, logo: Logo, paths: list[str], *, credit: str | None) -> str:
    shapes = "".join(f'<path d="{escape(path)}"/>' for path in paths)
    if nearly_invisible_on_white(logo.hex):
        offset = 12 * (1 - TILE_LOGO_SCALE)
        body = (
            f'{tile(DARK_TILE)}<g fill="#{logo.hex}" '
            f'transform="translate({offset:g} {offset:g}) scale({TILE_LOGO_SCALE:g})">{shapes}</g>'
        )
    else:
        body = f'<g fill="#{logo.hex}">{shapes}</g>'
    return svg_document(service.name, body, comment=credit)


def initials(name: str) -> str:
    """One or two letters for a monogram: "Bank of America" -> "BA", "PayPal" -> "PP", "BT"."""
    words: list[str] = re.findall(r"[^\W_]+", name)
    significant = [word for word in words if word.casefold() not in MINOR_WORDS] or words
    if not significant:
        return "?"
    if len(significant) >= 2:
        return (significant[0][0] + significant[1][0]).upper()
    word = significant[0]
    if len(word) <= 2:
        return word.upper()
    inner_capitals = [char for char in word[1:] if char.isupper()]
    if inner_capitals and not word.isupper():
        return (word[0] + inner_capitals[0]).upper()
    return word[0].upper()


def monogram_svg(service: Service, background: str) -> str:
    letters = initials(service.name)
    font_size = 13 if len(letters) == 1 else 10  # px; two capitals must fit the 24 px tile
    # dy=".35em" centres capitals vertically everywhere; dominant-baseline is not universal.
    text = (
        f'<text x="12" y="12" dy=".35em" text-anchor="middle" fill="#{text_colour_on(background)}"'
        f" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
        f' font-size="{font_size}" font-weight="600">{escape(letters)}</text>'
    )
    return svg_document(service.name, tile(background) + text)


# --- Building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IconRecord:
    slug: str
    svg: str
    kind: Kind
    simple_icons_slug: str | None
    hex: str
    license: str | None
    credit: str | None
    colour_origin: ColourOrigin  # for the summary

    def manifest_entry(self) -> dict[str, str | None]:
        return {
            "file": f"{self.slug}.svg",
            "kind": self.kind,
            "simple_icons_slug": self.simple_icons_slug,
            "hex": self.hex,
            "license": self.license,
            "credit": self.credit,
        }


@dataclass(frozen=True)
class Sources:
    icons_by_slug: dict[str, SimpleIcon]
    icon_names: dict[str, list[IconName]]
    brand_colours: dict[str, str]


def build_icon(service: Service, sources: Sources, findings: Findings) -> IconRecord:
    logo = find_logo(
        service,
        icons_by_slug=sources.icons_by_slug,
        icon_names=sources.icon_names,
        findings=findings,
    )
    if logo is not None:
        licence = logo.icon.license_type
        credit = (
            credit_for(logo.icon, licence)
            if licence is not None and licence_verdict(licence) is LicenceVerdict.CREDIT
            else None
        )
        return IconRecord(
            slug=service.slug,
            svg=logo_svg(service, logo, load_logo_paths(logo.icon), credit=credit),
            kind="simple-icons",
            simple_icons_slug=logo.icon.slug,
            hex=logo.hex,
            license=logo.icon.license_type,
            credit=credit,
            colour_origin="simple-icons",
        )
    brand_colour = sources.brand_colours.get(normalise(service.name))
    background = brand_colour or colour_from_slug(service.slug)
    return IconRecord(
        slug=service.slug,
        svg=monogram_svg(service, background),
        kind="monogram",
        simple_icons_slug=None,
        hex=background,
        license=None,
        credit=None,
        colour_origin="brand-colors" if brand_colour else "slug hash",
    )


def write_outputs(records: list[IconRecord], *, icons_dir: Path, icons_json: Path) -> list[str]:
    """Write every icon and the manifest; delete icons no service uses. Returns deleted names."""
    icons_dir.mkdir(parents=True, exist_ok=True)
    wanted = {f"{record.slug}.svg" for record in records}
    stale = sorted(path.name for path in icons_dir.glob("*.svg") if path.name not in wanted)
    for name in stale:
        (icons_dir / name).unlink()
    for record in records:
        (icons_dir / f"{record.slug}.svg").write_text(record.svg, encoding="utf-8", newline="\n")
    manifest = {record.slug: record.manifest_entry() for record in records}
    icons_json.parent.mkdir(parents=True, exist_ok=True)
    icons_json.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return stale


def summary(records: list[IconRecord], findings: Findings, deleted: list[str]) -> str:
    kinds = Counter(record.kind for record in records)
    logos = [record for record in records if record.kind == "simple-icons"]
    monograms = [record for record in records if record.kind == "monogram"]
    colour_origins = Counter(record.colour_origin for record in monograms)
    credited = Counter(record.license for record in records if record.credit)
    on_tile = sum(1 for record in logos if nearly_invisible_on_white(record.hex))
    lines = [
        f"services:          {len(records)}",
        f"simple-icons used: {kinds['simple-icons']} ({on_tile} on a dark tile)",
        f"monograms:         {kinds['monogram']} (brand-colors colour: "
        f"{colour_origins['brand-colors']}, colour from slug hash: {colour_origins['slug hash']})",
        f"credited icons:    {sum(credited.values())}"
        + "".join(f"\n  {licence}: {count}" for licence, count in sorted(credited.items())),
        "licences skipped:  " + ("none" if not findings.skipped_licences else ""),
    ]
    for licence, slugs in sorted(findings.skipped_licences.items()):
        lines.append(f"  {licence}: {', '.join(sorted(slugs))}")
    if deleted:
        lines.append(f"stale icons deleted: {', '.join(deleted)}")
    if findings.notes:
        lines.append("to review:")
        lines.extend(f"  {note}" for note in sorted(findings.notes))
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--catalog-dir", type=Path, default=DEFAULT_CATALOG_DIR, help="the *.yaml catalog files"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DEFAULT_ICONS_DIR, help="where <slug>.svg files go"
    )
    parser.add_argument(
        "--icons-json", type=Path, default=DEFAULT_ICONS_JSON, help="the icon manifest to write"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        ensure_npm_inputs()
        services = load_services(arguments.catalog_dir)
    except BuildError as error:
        print(f"build_icons: {error}", file=sys.stderr)
        return 1
    icons_by_slug, icon_names = load_simple_icons()
    sources = Sources(icons_by_slug, icon_names, load_brand_colours())
    findings = Findings()
    records = [build_icon(service, sources, findings) for service in services]
    deleted = write_outputs(records, icons_dir=arguments.out_dir, icons_json=arguments.icons_json)
    print(summary(records, findings, deleted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
