"""Serving: the Prometheus HTTP API v1, federation, lifecycle endpoints, ``/metrics``."""

from argus.web.app import READY_KEY, build_app, handler_args
from argus.web.options import HeadInfo, RuntimeState, Sources, TSDBAdmin, WebOptions

__all__ = [
    "READY_KEY",
    "HeadInfo",
    "RuntimeState",
    "Sources",
    "TSDBAdmin",
    "WebOptions",
    "build_app",
    "handler_args",
]
