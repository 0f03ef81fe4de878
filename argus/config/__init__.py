"""Configuration: prometheus.yml loading and validation (lands with the collection issue)."""

__all__: list[str] = []
