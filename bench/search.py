"""Benchmark of catalog search: does what people type find what they mean, and how fast?

    python bench/search.py [--repeat 20]

A table of 100 queries as people type them when something is down (typos of one or two
letters, "is X down", shorthands, a shared brand typed from a country), each with the
service meant. It searches the whole shipped catalog with the site's ranking and prints the
share whose intended service comes first, every miss, and the time per query. As a reference
in the same run it ranks the same queries with rapidfuzz's general-purpose WRatio over every
name and alias (the best-scoring name's service first), which knows no phrases or brands.
"""

from __future__ import annotations

import argparse
import statistics
import time

from rapidfuzz import process
from rapidfuzz.fuzz import WRatio

from outagewatch.catalog import data_file
from outagewatch.catalog.matching import normalise
from outagewatch.catalog.search import CatalogIndex

# (what was typed, the slug meant, the searcher's country or None)
QUERIES: list[tuple[str, str, str | None]] = [
    ("instagam", "instagram", None),
    ("instagram down", "instagram", None),
    ("is instagram down right now", "instagram", None),
    ("tiktk", "tiktok", None),
    ("is tiktok down", "tiktok", None),
    ("tiktok not working", "tiktok", None),
    ("youtbe", "youtube", None),
    ("youtube outage today", "youtube", None),
    ("whatsap", "whatsapp", None),
    ("whatsapp not working", "whatsapp", None),
    ("facebok", "facebook", None),
    ("is facebook down?", "facebook", None),
    ("gmial", "gmail", None),
    ("gmail down", "gmail", None),
    ("netflx", "netflix", None),
    ("netflix not loading", "netflix", None),
    ("spotfy", "spotify", None),
    ("spotify outage", "spotify", None),
    ("discrod", "discord", None),
    ("discord down", "discord", None),
    ("redit", "reddit", None),
    ("twiter", "x", None),
    ("is twitter down", "x", None),
    ("snapchta", "snapchat", None),
    ("telegarm", "telegram", None),
    ("outlok", "outlook", None),
    ("hotmail not working", "outlook", None),
    ("amazn", "amazon", None),
    ("paypall", "paypal", None),
    ("venmo down", "venmo", None),
    ("cashapp", "cash-app", None),
    ("chase bank down", "chase", None),
    ("bofa", "bank-of-america", None),
    ("bank of amercia", "bank-of-america", None),
    ("wells frago", "wells-fargo", None),
    ("capitol one", "capital-one", None),
    ("barclys", "barclays", None),
    ("lloyds bank down", "lloyds-bank", None),
    ("monzo not working", "monzo", None),
    ("revoult", "revolut", None),
    ("natwest app down", "natwest", None),
    ("ps5", "playstation-network", None),
    ("psn down", "playstation-network", None),
    ("playstaton network", "playstation-network", None),
    ("xbox live down", "xbox-network", None),
    ("fortnite servers down", "fortnite", None),
    ("fortnight", "fortnite", None),
    ("roblox not working", "roblox", None),
    ("robolx", "roblox", None),
    ("minecraft server down", "minecraft", None),
    ("steam down", "steam", None),
    ("warzone down", "call-of-duty-warzone", None),
    ("leauge of legends", "league-of-legends", None),
    ("valorant down", "valorant", None),
    ("chat gpt down", "chatgpt", None),
    ("chatgtp", "chatgpt", None),
    ("cluade", "claude", None),
    ("githib", "github", None),
    ("github down", "github", None),
    ("aws outage", "aws", None),
    ("azure down", "microsoft-azure", None),
    ("cloudfare", "cloudflare", None),
    ("ms teams not working", "microsoft-teams", None),
    ("zoom down", "zoom", None),
    ("slack outage", "slack", None),
    ("google drive down", "google-drive", None),
    ("dropbx", "dropbox", None),
    ("icloud not working", "icloud", None),
    ("office 365 down", "microsoft-365", None),
    ("disney plus down", "disney-plus", None),
    ("hbo max not working", "hbo-max", None),
    ("hulu down", "hulu", None),
    ("prime video not working", "prime-video", None),
    ("twitch down", "twitch", None),
    ("verizon outage", "verizon", None),
    ("verison", "verizon", None),
    ("at&t outage", "att", None),
    ("tmobile down", "t-mobile-us", "US"),
    ("xfinity outage", "xfinity", None),
    ("spectrum internet down", "spectrum", None),
    ("vodafone not working", "vodafone-uk", "GB"),
    ("vodafone", "vodafone-de", "DE"),
    ("mtn", "mtn-za", "ZA"),
    ("mtn down", "mtn-ng", "NG"),
    ("orange down", "orange-fr", "FR"),
    ("o2 down", "o2-uk", "GB"),
    ("virgin media outage", "virgin-media", None),
    ("sky broadband down", "sky-broadband", None),
    ("jio down", "jio", None),
    ("airtel down", "airtel-in", "IN"),
    ("nubank fora do ar", "nubank", None),
    ("uber not working", "uber", None),
    ("doordash down", "doordash", None),
    ("uber eats down", "uber-eats", None),
    ("fedex tracking not working", "fedex", None),
    ("usps down", "usps", None),
    ("hmrc down", "hmrc", None),
    ("irs website down", "irs", None),
    ("canvas down", "canvas", None),
    ("tinder not working", "tinder", None),
]


def _reference_first(
    query: str, names: list[str], owners: list[str], by_slug: dict[str, int]
) -> str | None:
    """rapidfuzz's WRatio over every name: ties go to the more popular service."""
    found = process.extract(normalise(query), names, scorer=WRatio, limit=20)
    if not found:
        return None
    best = found[0][1]
    tied = [owners[index] for _, score, index in found if score == best]
    return min(tied, key=lambda slug: by_slug[slug])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed passes over the table")
    repeat: int = parser.parse_args().repeat

    services = data_file.load_services()
    started = time.perf_counter()
    index = CatalogIndex(services)
    built_ms = (time.perf_counter() - started) * 1000
    assert len(QUERIES) == 100, len(QUERIES)
    missing = sorted({slug for _, slug, _ in QUERIES} - set(index.by_slug))
    assert not missing, f"not in the catalog: {missing}"

    misses = []
    for query, slug, country in QUERIES:
        results = index.search(query, country=country, limit=3)
        if not results or results[0].slug != slug:
            misses.append((query, slug, [service.slug for service in results]))

    by_slug = {service.slug: position for position, service in enumerate(index.services)}
    names, owners = [], []
    for service in index.services:
        for name in (service.name, *service.aliases):
            names.append(normalise(name))
            owners.append(service.slug)
    reference_hits = sum(
        _reference_first(query, names, owners, by_slug) == slug for query, slug, _ in QUERIES
    )

    timings = []
    for _ in range(repeat):
        for query, _, country in QUERIES:
            began = time.perf_counter()
            index.search(query, country=country, limit=50)
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()

    hits = len(QUERIES) - len(misses)
    print(
        f"catalog: {len(services)} services, {index.name_count} names; "
        f"index built in {built_ms:.0f} ms"
    )
    print(
        f"first hit: {hits}/{len(QUERIES)} = {hits / len(QUERIES):.0%} "
        f"(reference, rapidfuzz WRatio over all names: {reference_hits / len(QUERIES):.0%})"
    )
    for query, slug, got in misses:
        print(f"  miss: {query!r} meant {slug}, got {got}")
    print(
        f"time per query over {len(timings)} searches: mean {statistics.fmean(timings):.2f} ms, "
        f"p50 {timings[len(timings) // 2]:.2f} ms, p99 {timings[int(len(timings) * 0.99)]:.2f} ms"
    )


if __name__ == "__main__":
    main()
