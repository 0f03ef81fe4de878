"""Offline tools over a database directory: backfill, dump, export (``argus tsdb …``)."""

__all__: list[str] = []
