"""Pure detection: counts and history in, numbers and verdicts out. No I/O, no clock."""
