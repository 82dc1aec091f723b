"""The product's fixed detection rules: one set of numbers for every service and series.

They are tuned for the general case (any service, any series of counts), not for one
data set: a spike must be improbable under the usual level, large in ratio and made by
enough people; opening and closing have different bars so the status does not flap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Rules:
    # Windows over which the recent count is compared with the usual one. A short window
    # flips fast on big services; a long one catches slower rises on small ones.
    windows: tuple[timedelta, ...] = (
        timedelta(minutes=2),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
    )
    # "Possible problems": all three must hold in at least one window.
    possible_ratio: float = 3.0  # x the usual count
    possible_probability: float = 1e-6  # chance of so many reports on a normal day
    possible_min_reports: int = 10  # distinct reporters
    # "Major outage"
    major_ratio: float = 10.0
    major_probability: float = 1e-10
    major_min_reports: int = 50
    # Back to normal: every window up to `calm_window` under this ratio (or too few reports
    # to mean anything)... (longer windows would hold a status long after the end)
    calm_ratio: float = 2.0
    calm_window: timedelta = timedelta(minutes=15)
    # ...for this long. Leaving "major" for "possible" takes the same quiet time.
    recovery_quiet: timedelta = timedelta(minutes=10)
    # The usual level never goes below this, so one person can never flip a status.
    floor_per_hour: float = 2.0
    # Counts vary more than Poisson (news, time of day); the negative binomial's extra
    # variance is (dispersion x mean)^2.
    dispersion: float = 0.3
    # A brigade from few networks cannot flip a status: where the networks of reports are
    # known, a network that sent more than this many reports within a window is left out of
    # that window's count. People report once per half hour, so real outages come from
    # many light networks; a brigade is a few heavy ones.
    heavy_network_reports: int = 3
    # People report once each, so a real rise has about one report per network. When the
    # reports of a window come from fewer networks than that (a brigade just starting, before
    # its networks turn heavy), the evidence must hold this long before it opens a problem.
    instant_reports_per_network: float = 1.3
    confirm_concentrated: timedelta = timedelta(minutes=2)
    # History used for the usual level.
    seasonal_days: int = 7
    # Until two past days show the time of day: this quantile of the last day's counts.
    cold_start_quantile: float = 0.9
    seasonal_halfwidth: timedelta = timedelta(minutes=30)


DEFAULT_RULES = Rules()
