"""Reports: intake, from the wire request to the one NewReport the writer stores (the counts
people see are read by `status/`)."""
