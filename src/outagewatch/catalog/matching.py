"""How well a query names a service: exact names, shared brands, prefixes, typos, phrases.

Pure: strings in, match qualities out. Typos are measured with rapidfuzz's optimal string
alignment distance (a swap of two neighbouring letters is one edit, as people make them),
run in C over every name of the catalog at once.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

# Match qualities, best first. Within one quality, problems now, the visitor's country and
# popularity decide the order; across qualities they never do, so a typo cannot outrank the
# service whose name was typed exactly.
EXACT = 100  # the service's own name or slug; an alias no other service shares a brand with
BRAND = 95  # a name's first words, or an alias, that several services share ("MTN", "Vodafone")
PREFIX = 88  # the start of a name ("whatsa")
WORD = 80  # the start of a later word of a name ("business")
TYPO = 76  # minus 5 per edit: a name with one or two letters wrong ("instagam", "youtbe")
TYPO_PREFIX = 73  # minus 5 per edit: the start of a name, mistyped ("playstaton")
INSIDE = 60  # anywhere inside a name, three letters or more

# The words people type around a name when something is wrong: "is X down", "X not working",
# "X outage today". Stripped from the ends of a query, which is then matched as well (the
# whole query still is too, so a name ending in one of them, "App Store", is found whole).


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LEADING = _words(
    "is are was why whats what s wrong with happened to has does did check status of my the"
    " problems issues"
)
_TRAILING = _words(
    "down not working work works loading load responding outage outages today right now"
    " status problems problem issues issue login log in sign app website site server servers"
    " offline error errors broken crashed crashing crash for everyone or just me near area my"
    " currently doesn isn t is again still it the up internet wifi tracking service account"
    # ... and in the other languages of the catalog's countries: "fora do ar", "no funciona",
    # "en panne", "ne marche pas", "geht nicht", "Störung" (accents are gone by now).
    " fora do ar caiu nao funciona funcionando esta caido caida hoy hoje falla no panne en"
    " marche pas ne storung ausfall geht nicht funktioniert"
)


def normalise(text: str) -> str:
    """Lowercase ASCII words: 'Société Générale' and 'societe generale' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALPHANUMERIC.sub(" ", ascii_text).strip()


def query_forms(query: str) -> list[str]:
    """The normalised query, and the name inside it once the words around it are dropped."""
    words = normalise(query).split()
    forms = [" ".join(words)] if words else []
    start, end = 0, len(words)
    while start < end and words[start] in _LEADING:
        start += 1
    while end > start and words[end - 1] in _TRAILING:
        end -= 1
    inner = " ".join(words[start:end])
    if inner and inner not in forms:
        forms.append(inner)
    return forms


def allowed_edits(compact_query: str) -> int:
    """Typos forgiven: none in three letters or fewer (too many names lie one edit away),
    one up to five letters, two beyond (as search engines' "auto" fuzziness does)."""
    length = len(compact_query)
    return 0 if length <= 3 else 1 if length <= 5 else 2


@dataclass(frozen=True, slots=True)
class Name:
    """One way to call a service: its name, slug, an alias or a search term."""

    owner: int  # the service's position in the index
    words: str  # normalised, words separated by one space
    own: bool  # the service's own name or slug, not an alias or search term


class NameTable:
    """Every name of every service, laid out for rapidfuzz to scan in one call."""

    def __init__(self, names: Iterable[Name]) -> None:
        self.names: tuple[Name, ...] = tuple(names)
        # Computed once, so that a query costs a few scans in C rather than a Python loop
        # over every name: names sorted for prefixes, and all names in one text per layout,
        # where str.find looks for a word or a fragment and bisect says whose name it is in.
        self.owners = [name.owner for name in self.names]
        self.compacts = [name.words.replace(" ", "") for name in self.names]
        self._spaced = [f" {name.words} " for name in self.names]
        self._by_compact: dict[str, list[Name]] = {}
        for name, compact in zip(self.names, self.compacts, strict=True):
            self._by_compact.setdefault(compact, []).append(name)
        self._sorted = sorted(range(len(self.names)), key=self.compacts.__getitem__)
        self._sorted_compacts = [self.compacts[position] for position in self._sorted]
        self._compact_text, self._compact_starts = _joined(self.compacts)
        self._spaced_text, self._spaced_starts = _joined(self._spaced)
        self._starts: dict[int, list[str]] = {}

    def starts(self, length: int) -> list[str]:
        """Every name cut to `length` letters; "" for a name no longer than that."""
        if length not in self._starts:
            self._starts[length] = [
                text[:length] if len(text) > length else "" for text in self.compacts
            ]
        return self._starts[length]

    def qualities(self, query: str) -> dict[int, int]:
        """The best match quality of each service matching any form of the query."""
        best: dict[int, int] = {}
        for form in query_forms(query):
            for owner, quality in self._form_qualities(form).items():
                if quality > best.get(owner, 0):
                    best[owner] = quality
        return best

    def names_something(self, query: str) -> bool:
        """Whether some service's name or alias is exactly the query (or the name in it):
        "MTN" is a brand, "bank" only a word that names begin with."""
        return any(form.replace(" ", "") in self._by_compact for form in query_forms(query))

    def _form_qualities(self, words: str) -> dict[int, int]:
        compact = words.replace(" ", "")
        found: dict[int, int] = {}

        def offer(owner: int, quality: int) -> None:
            if quality > found.get(owner, 0):
                found[owner] = quality

        brand_start = f" {words} "
        sharing: set[int] = set()  # services whose name starts with the query's words
        for position in self._with_prefix(compact):
            spaced = self._spaced[position]
            if spaced.startswith(brand_start) and len(spaced) > len(brand_start):
                sharing.add(self.owners[position])
            else:
                offer(self.owners[position], PREFIX)
        for position, offset in _occurrences(self._spaced_text, self._spaced_starts, f" {words}"):
            if offset > 0:  # at 0 it is the name's start: a prefix, offered above
                offer(self.owners[position], WORD)
        if len(compact) >= 3:
            for position, _ in _occurrences(self._compact_text, self._compact_starts, compact):
                offer(self.owners[position], INSIDE)
        self._exact(compact, sharing, offer)
        self._typos(compact, offer)
        return found

    def _exact(self, compact: str, sharing: set[int], offer: Callable[[int, int], None]) -> None:
        """Names typed exactly, and brands: `sharing` are the services whose name starts
        with the query's words."""
        exact = self._by_compact.get(compact, [])
        own = {name.owner for name in exact if name.own}
        aliases = {name.owner for name in exact if not name.own} - own
        # A brand is shared when several services go by it: "ING" (the Dutch bank's name,
        # an alias of ING Germany) or "MTN" (an alias of MTN Nigeria, the start of MTN South
        # Africa's name) offer them all. An exact name is not shared by longer names that
        # start with it ("WhatsApp Business"), nor an alias by nobody else ("Twitter" is X).
        shared = len(own) + len(aliases) > 1 or bool(aliases and sharing - aliases)
        for owner in sharing:
            offer(owner, BRAND)
        for owner in own | aliases:
            offer(owner, BRAND if shared else EXACT)

    def _with_prefix(self, compact: str) -> Iterator[int]:
        """Positions of the names that start with `compact` (no spaces)."""
        index = bisect_left(self._sorted_compacts, compact)
        while index < len(self._sorted) and self._sorted_compacts[index].startswith(compact):
            yield self._sorted[index]
            index += 1

    def _typos(self, compact: str, offer: Callable[[int, int], None]) -> None:
        edits = allowed_edits(compact)
        if edits == 0:
            return
        for _, distance, position in process.extract(
            compact, self.compacts, scorer=OSA.distance, score_cutoff=edits, limit=None
        ):
            offer(self.owners[position], TYPO - 5 * int(distance))
        # The start of a longer name, mistyped: compared with that name cut to the query's
        # length give or take a letter, for a letter left out or typed twice.
        for length in (len(compact) - 1, len(compact), len(compact) + 1):
            starts = self.starts(length)
            for _, distance, position in process.extract(
                compact, starts, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                if starts[position]:
                    offer(self.owners[position], TYPO_PREFIX - 5 * int(distance))


def _joined(texts: Sequence[str]) -> tuple[str, list[int]]:
    """The texts in one string, a newline apart, and where each starts in it."""
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    return "\n".join(texts), starts


def _occurrences(text: str, starts: Sequence[int], fragment: str) -> Iterator[tuple[int, int]]:
    """(position of the name, offset in it) of each place `fragment` occurs in a joined text;
    a fragment holds no newline, so it never spans two names."""
    found = text.find(fragment)
    while found >= 0:
        position = bisect_right(starts, found) - 1
        yield position, found - starts[position]
        found = text.find(fragment, found + 1)


def names_of(owner: int, *, own: Sequence[str], others: Sequence[str]) -> list[Name]:
    """A service's names, each once: its own first, then aliases and search terms."""
    seen: set[str] = set()
    names = []
    for text, is_own in [*((text, True) for text in own), *((text, False) for text in others)]:
        words = normalise(text)
        if words and words not in seen:
            seen.add(words)
            names.append(Name(owner=owner, words=words, own=is_own))
    return names
