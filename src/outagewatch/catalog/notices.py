"""Copyright notices that some icons' licences ask us to keep with them (data/icon_notices.yaml).

Simple Icons is CC0, but an icon drawn from artwork under MIT, ISC, BSD or Apache licences
comes with that licence, and those ask for its copyright notice and licence text wherever the
work goes: on /credits and in THIRD_PARTY.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

NOTICES_FILE = Path(__file__).parent / "data" / "icon_notices.yaml"
# Licences whose text and copyright line must travel with the work; CC-BY asks for a credit
# instead, which icons.json already carries.
NEEDS_NOTICE = re.compile(r"MIT|ISC|Apache-2\.0|BSD-[234]-Clause")


@dataclass(frozen=True, slots=True)
class IconNotice:
    licence: str  # SPDX identifier
    copyright: str
    text: str  # the licence text with the copyright line in it


@dataclass(frozen=True, slots=True)
class _Notices:
    copyrights: dict[str, str]  # catalog slug -> copyright line
    licences: dict[str, str]  # SPDX identifier -> text with {copyright}


@cache
def _read(path: Path = NOTICES_FILE) -> _Notices:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    icons = loaded.get("icons") or {}
    return _Notices(
        copyrights={str(slug): str(entry["copyright"]) for slug, entry in icons.items()},
        licences={str(name): str(text) for name, text in (loaded.get("licences") or {}).items()},
    )


def needs_notice(licence: str | None) -> bool:
    return licence is not None and NEEDS_NOTICE.fullmatch(licence) is not None


def notices_for(icons: Mapping[str, Mapping[str, Any]]) -> dict[str, IconNotice]:
    """The notice of every icon whose licence asks for one and that has one recorded."""
    notices = _read()
    found = {}
    for slug, icon in icons.items():
        licence = icon.get("license")
        copyright_line = notices.copyrights.get(slug)
        template = notices.licences.get(str(licence))
        if needs_notice(licence) and copyright_line and template:
            text = template.replace("{copyright}", copyright_line)
            found[slug] = IconNotice(str(licence), copyright_line, text)
    return found


def notice_problems(icons: Mapping[str, Mapping[str, Any]], slugs: Iterable[str]) -> Iterator[str]:
    """Icons of the catalog's services whose licence asks for a notice we do not have."""
    notices = _read()
    for slug in sorted(set(slugs)):
        licence = (icons.get(slug) or {}).get("license")
        if not needs_notice(licence):
            continue
        if slug not in notices.copyrights:
            yield f"{slug}: its icon is under {licence}; add its copyright to icon_notices.yaml"
        elif str(licence) not in notices.licences:
            yield f"{slug}: icon_notices.yaml has no {licence} licence text"
