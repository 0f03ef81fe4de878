"""HTTP serving: lifecycle endpoints, self-metrics (the API lands with the serving issue)."""

from argus.web.app import READY_KEY, build_app

__all__ = ["READY_KEY", "build_app"]
