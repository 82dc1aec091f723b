"""Plain data types of the catalog; they live in outagewatch.basics (storage needs them too),
and are named here as well because the catalog is where a reader looks for them first."""

from __future__ import annotations

from outagewatch.basics.services import Category, Problem, Service

__all__ = ["Category", "Problem", "Service"]
