"""Signals beside reports: official status pages, website probes, social mentions."""
