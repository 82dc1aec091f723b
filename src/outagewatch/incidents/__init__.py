"""Incidents: the detection tick, status changes, and the timeline built from them."""
