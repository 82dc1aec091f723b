"""What request handlers need, assembled once by create_app()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import Clock
from outagewatch.config import Settings
from outagewatch.notify.accounts import Accounts
from outagewatch.storage.protocol import Store


def _nothing() -> None:
    return None


@dataclass(slots=True)
class AppContext:
    settings: Settings
    store: Store
    clock: Clock
    catalog: CatalogIndex
    accounts: Accounts
    # Called after queueing a message here, so this process's deliverer sends it at once
    # instead of at its next round.
    wake_delivery: Callable[[], None] = field(default=_nothing)
