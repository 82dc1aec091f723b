"""The JSON API (v1), described by an OpenAPI document at /api/v1/openapi.json."""
