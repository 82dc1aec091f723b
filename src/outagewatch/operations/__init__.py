"""Running the site: readiness, metrics, retention and backups (what operators watch and keep)."""
