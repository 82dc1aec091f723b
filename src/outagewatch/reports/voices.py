"""What people say: report comments fit to show everyone, by automatic checks.

A comment is held back when it carries a link, contact details or an abusive word, when its
text was already said (a copy-paste campaign shows once, its first time), or when one person
sent more than MAX_PER_PERSON of them in the window. Operators hide the rest in one click.
The checks are plain rules on purpose: a visitor's words are shown only when nothing in
them looks like advertising, doxxing or abuse, and a rule that holds back too much costs
little (the counts and problems are unaffected).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from outagewatch.storage.records_operators import Comment

MAX_PER_PERSON = 3  # comments per person per window: more is a flood
SHOWN = 10

LINK = re.compile(
    r"(https?://|www\.|\b[a-z0-9-]+\.(com|net|org|io|ly|me|co|info|biz|xyz|ru|gg|app)\b)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
HANDLE = re.compile(r"(?<!\w)@\w{2,}")  # "DM me @someone"
PHONE = re.compile(r"(\+?\d[\d\s().-]{6,}\d)")  # 8 digits or more, with separators
# Abuse in the languages of our catalog's largest audiences (English, Spanish, Portuguese,
# French, German, Hindi/Urdu in Latin letters); matched on whole words after folding accents.
ABUSIVE_TEXT = """
    fuck fucking fucker motherfucker shit bullshit cunt bitch bastard asshole dick prick
    whore slut retard faggot nigger nigga
    puta puto pendejo cabron cabrón mierda joder gilipollas maricon maricón coño verga
    caralho porra merda foda-se fdp viado buceta arrombado
    putain merde connard connasse salope encule enculé pute
    scheisse scheiße arschloch fotze wichser hurensohn missgeburt
    chutiya madarchod bhenchod behenchod gandu randi harami
"""


@dataclass(frozen=True, slots=True)
class Voice:
    """A comment as everyone may read it: no reporter, no network, only the country."""

    report_id: int
    received_at: datetime
    text: str
    problem: str
    country: str | None
    platform: str | None


def _fold(text: str) -> str:
    """Lower case without accents, so 'Cabrón' and 'cabron' are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


ABUSIVE_FOLDED = frozenset(_fold(word) for word in ABUSIVE_TEXT.split())


def held_back_reason(text: str) -> str | None:
    """Why a comment cannot be shown as it stands; None when it can."""
    if EMAIL.search(text) or HANDLE.search(text) or PHONE.search(text):
        return "contact details"
    if LINK.search(text):
        return "link"
    words = set(re.findall(r"[\w-]+", _fold(text)))
    if words & ABUSIVE_FOLDED:
        return "abusive word"
    return None


def _same_text(text: str) -> str:
    return " ".join(re.findall(r"\w+", _fold(text)))


def publishable(comments: Sequence[Comment], *, limit: int = SHOWN) -> list[Voice]:
    """The comments fit to show, newest first (`comments` come newest first)."""
    per_person = Counter(comment.reporter_key for comment in comments)
    first_of_text: dict[str, int] = {}
    for comment in reversed(comments):  # oldest first: the first saying of a text wins
        first_of_text.setdefault(_same_text(comment.text), comment.report_id)
    voices = [
        Voice(
            report_id=comment.report_id,
            received_at=comment.received_at,
            text=comment.text.strip(),
            problem=comment.problem,
            country=comment.country,
            platform=comment.platform,
        )
        for comment in comments
        if per_person[comment.reporter_key] <= MAX_PER_PERSON
        and first_of_text[_same_text(comment.text)] == comment.report_id
        and held_back_reason(comment.text) is None
    ]
    return voices[:limit]
