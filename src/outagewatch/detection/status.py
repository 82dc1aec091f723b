"""The three statuses a service can have, and how people read them; they live in
outagewatch.basics (storage keeps them too) and are named here for detection's readers."""

from __future__ import annotations

from outagewatch.basics.status import STATUS_LABELS, StatusWord, status_label

__all__ = ["STATUS_LABELS", "StatusWord", "status_label"]
