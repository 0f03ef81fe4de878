"""The web UI: page routes serving the built single-page app and its hashed assets."""

from argus.web.ui.pages import PAGE_PATHS, UIFiles, routes

__all__ = ["PAGE_PATHS", "UIFiles", "routes"]
