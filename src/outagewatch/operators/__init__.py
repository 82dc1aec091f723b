"""Operators: actions from /admin and the CLI, each with its audit line."""
