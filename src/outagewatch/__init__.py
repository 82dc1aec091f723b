"""OutageWatch: a self-hostable, crowd-sourced outage tracker."""

__version__ = "0.1.0"
