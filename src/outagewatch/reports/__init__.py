"""Reports: intake, and the counts people see ("N reports this hour · N today")."""
