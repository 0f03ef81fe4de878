"""``file_sd_configs``: target groups from YAML or JSON files, re-read when they change.

Each file holds a list of ``{targets: [host:port…], labels: {…}}``. Files are found by
glob (the last path element may hold ``*``), checked for changes every
``poll_interval`` seconds by modification time and size (portable, no inotify), and
fully re-read every ``refresh_interval``. Each target gets ``__meta_filepath``. A file
that fails to read or parse keeps its last good groups and is counted in
``read_errors``; a deleted file's groups are removed (sent as empty groups).
"""

from __future__ import annotations

import asyncio
import glob
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import yaml

from argus.config import FileSDConfig
from argus.discovery.provider import TargetGroup
from argus.model import Labels

__all__ = ["FileDiscoverer", "FileSDError", "parse_file"]

log = logging.getLogger(__name__)


class FileSDError(ValueError):
    """A target file is malformed."""


def parse_file(path: str, text: str) -> list[TargetGroup]:
    """Groups of one file; sources are ``"<path>:<index>"`` as in Prometheus."""
    try:
        data: Any = json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FileSDError(f"{path}: {exc}") from None
    if data is None:
        data = []
    if not isinstance(data, list):
        raise FileSDError(f"{path}: expected a list of target groups")
    groups = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise FileSDError(f"{path}: group {i} is not a mapping")
        unknown = set(item) - {"targets", "labels"}
        if unknown:
            raise FileSDError(f"{path}: group {i}: field {sorted(unknown)[0]} not found")
        targets = item.get("targets") or []
        labels = item.get("labels") or {}
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise FileSDError(f"{path}: group {i}: targets must be a list of strings")
        if not isinstance(labels, dict):
            raise FileSDError(f"{path}: group {i}: labels must be a mapping")
        pairs = [(str(k), str(v)) for k, v in labels.items()]
        if any(not k for k, _ in pairs):
            raise FileSDError(f"{path}: group {i}: empty label name")
        groups.append(
            TargetGroup(
                source=f"{path}:{i}",
                targets=tuple(Labels.of(__address__=t) for t in targets),
                labels=Labels([*pairs, ("__meta_filepath", path)]),
            )
        )
    return groups


class FileDiscoverer:
    """Watches the files of one ``file_sd_configs`` entry."""

    def __init__(
        self, cfg: FileSDConfig, base_dir: str | Path = ".", *, poll_interval: float = 5.0
    ) -> None:
        self.cfg = cfg
        self.base_dir = Path(base_dir)
        self.poll_interval = poll_interval
        self.read_errors = 0
        self._stamps: dict[str, tuple[float, int]] = {}
        self._sources: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return f"FileDiscoverer({list(self.cfg.files)})"

    def _paths(self) -> list[str]:
        out: set[str] = set()
        for pattern in self.cfg.files:
            full = pattern if os.path.isabs(pattern) else str(self.base_dir / pattern)
            out.update(glob.glob(full))
        return sorted(out)

    def refresh(self, *, force: bool = False) -> list[TargetGroup]:
        """The groups that changed since the last call (all of them when ``force``)."""
        changed: list[TargetGroup] = []
        paths = self._paths()
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamp = (st.st_mtime, st.st_size)
            if not force and self._stamps.get(path) == stamp:
                continue
            try:
                groups = parse_file(path, Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, FileSDError) as exc:
                self.read_errors += 1
                log.error("file_sd: keeping the last good targets of %s: %s", path, exc)
                self._stamps[path] = stamp
                continue
            self._stamps[path] = stamp
            new_sources = [g.source for g in groups]
            gone = set(self._sources.get(path, [])) - set(new_sources)
            changed += groups + [TargetGroup(s) for s in sorted(gone)]
            self._sources[path] = new_sources
        for path in sorted(set(self._sources) - set(paths)):
            changed += [TargetGroup(s) for s in self._sources.pop(path)]
            self._stamps.pop(path, None)
        return changed

    async def run(self, updates: asyncio.Queue[list[TargetGroup]]) -> None:
        await updates.put(self.refresh(force=True))
        refresh_every = self.cfg.refresh_interval / 1000
        last_full = time.monotonic()
        while True:
            await asyncio.sleep(self.poll_interval)
            force = time.monotonic() - last_full >= refresh_every
            if force:
                last_full = time.monotonic()
            changed = self.refresh(force=force)
            if changed:
                await updates.put(changed)
