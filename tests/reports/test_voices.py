"""Which report comments everyone may read: the automatic checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.reports.voices import MAX_PER_PERSON, held_back_reason, publishable
from outagewatch.storage.records_operators import Comment

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def _comments(*texts: str, reporters: list[str] | None = None) -> list[Comment]:
    """Newest first, as the store answers: the first text is the newest."""
    keys = reporters or [f"person-{index}" for index in range(len(texts))]
    return [
        Comment(
            report_id=100 - index,
            received_at=T0 - timedelta(minutes=index),
            text=text,
            problem="login",
            country="ZA",
            platform="ios",
            reporter_key=keys[index],
        )
        for index, text in enumerate(texts)
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Follow www.cheap-followers.example for help", "link"),
        ("see https://example.org/fix", "link"),
        ("fixed it, details at fixmyapp.io", "link"),
        ("write to help.me@example.org", "contact details"),
        ("DM me @fixer_bot", "contact details"),
        ("call +27 82 555 0101 for a fix", "contact details"),
        ("this fucking app again", "abusive word"),
        ("App caída otra vez, qué MIERDA", "abusive word"),
        ("Cabrón, no carga nada", "abusive word"),
        ("login geht nicht, Scheiße", "abusive word"),
    ],
)
def test_a_comment_with_links_contact_details_or_abuse_is_held_back(text: str, reason: str) -> None:
    assert held_back_reason(text) == reason


@pytest.mark.parametrize(
    "text",
    ["0 followers on my profile", "search shows nothing", "Error 503 since 10:30", "Não carrega"],
)
def test_ordinary_symptoms_pass(text: str) -> None:
    assert held_back_reason(text) is None


def test_repeated_text_is_shown_once_at_its_first_saying() -> None:
    comments = _comments("Feed is empty!", "feed is EMPTY", "login loops", "Feed is empty")

    voices = publishable(comments)

    assert [voice.report_id for voice in voices] == [98, 97]  # "login loops", first "feed"
    assert voices[1].text == "Feed is empty"


def test_one_persons_flood_is_held_back_entirely() -> None:
    flood = MAX_PER_PERSON + 1
    texts = [f"still broken {n}" for n in range(flood)] + ["app crashes on start"]
    comments = _comments(*texts, reporters=["flooder"] * flood + ["someone"])

    voices = publishable(comments)

    assert [voice.text for voice in voices] == ["app crashes on start"]


def test_voices_keep_the_newest_first_and_never_carry_the_reporter() -> None:
    comments = _comments(*(f"symptom {n}" for n in range(15)))

    voices = publishable(comments, limit=10)

    assert [voice.text for voice in voices] == [f"symptom {n}" for n in range(10)]
    assert not hasattr(voices[0], "reporter_key")
