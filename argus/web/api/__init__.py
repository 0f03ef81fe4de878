"""HTTP APIs by version; only v1 exists, as in Prometheus."""

__all__: list[str] = []
