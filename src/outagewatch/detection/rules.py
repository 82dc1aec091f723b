"""The product's fixed detection rules: one set of numbers for every service and series.

They are tuned for the general case (any service, any series of counts), not for one
data set: a spike must be improbable under the usual level and its learned spread, large in
ratio, and made by enough different people; opening and closing have different bars so the
status does not flap, and the bars to close sit below the bars to open *relative to the
usual level*, which itself follows the week, holidays and growth (detection.baseline).
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
    # "Possible problems": all of these in at least one window.
    possible_ratio: float = 3.0  # x the usual count
    possible_probability: float = 1e-6  # chance of so many reports on a normal day
    possible_min_reports: int = 8  # counted reports, one per person per window
    possible_min_networks: int = 6  # distinct networks, where they are known
    # "Major outage": many more reports, and from many networks, not just many reports.
    major_ratio: float = 10.0
    major_probability: float = 1e-10
    major_min_reports: int = 25
    major_min_networks: int = 25
    # A problem is still going on while its watch window (2 minutes on a service that gets
    # 30+ reports an hour, 5 minutes below that, where 2 minutes hold too few reports to
    # tell) stays at least this far above usual and improbable...
    still_ratio: float = 2.0  # (also: a platform or country stays "affected" above this)
    still_probability: float = 1e-3
    # ...or, while the next longer window still shows the problem, stays above this (a
    # lull of a couple of minutes in a long outage is not its end).
    back_ratio: float = 1.2
    quick_watch_min_usual_per_hour: float = 30.0
    # ...and "Major outage" while it stays this far above (between this and major_ratio the
    # status does not move: hysteresis).
    major_still_ratio: float = 6.0
    # Back to "No issues" once it has not been going on for this long; "Major outage"
    # steps down to "Possible problems" after this long without major evidence.
    recovery_quiet: timedelta = timedelta(minutes=2)
    slow_recovery_quiet: timedelta = timedelta(minutes=4)  # with a 5-minute watch window
    step_down_quiet: timedelta = timedelta(minutes=5)
    # The window over which the page and the incident tracker describe "now".
    calm_window: timedelta = timedelta(minutes=15)
    # The relative variance of one minute's rate beyond what the hours show (learned per
    # service in detection.baseline): a window of n minutes adds this / n to it.
    minute_noise: float = 0.25
    # The usual level never goes below this, so one person can never flip a status.
    floor_per_hour: float = 2.0
    # A window counts only with at least this share of its minutes holding data; with
    # neither the 2- nor the 5-minute window counting, there is "no recent data".
    min_covered_share: float = 0.5
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

    def window_minutes(self) -> list[float]:
        return [window.total_seconds() / 60 for window in self.windows]


DEFAULT_RULES = Rules()
