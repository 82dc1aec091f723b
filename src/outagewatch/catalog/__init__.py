"""The catalog of services and categories: curated data, loading, validation and search."""
