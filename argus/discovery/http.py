"""``http_sd_configs``: target groups fetched as JSON from an HTTP endpoint.

Prometheus's HTTP SD contract: ``GET <url>`` answers 200 with
``Content-Type: application/json`` and a list of ``{targets: [...], labels: {...}}``;
it is polled every ``refresh_interval``. Each target gets ``__meta_url``. A failed
fetch or a bad body keeps the last good groups and is counted in ``failures``.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp

from argus.config import HTTPSDConfig
from argus.discovery.file import FileSDError, parse_file
from argus.discovery.provider import TargetGroup
from argus.model import Labels

__all__ = ["HTTPDiscoverer", "HTTPSDError"]

log = logging.getLogger(__name__)


class HTTPSDError(Exception):
    """The endpoint failed or answered something that is not a target group list."""


class HTTPDiscoverer:
    """Polls one ``http_sd_configs`` endpoint. Create inside the event loop."""

    def __init__(self, cfg: HTTPSDConfig, *, timeout: float = 30.0) -> None:
        self.cfg = cfg
        self.timeout = timeout
        self.failures = 0
        self._sources: list[str] = []

    def __repr__(self) -> str:
        return f"HTTPDiscoverer({self.cfg.url})"

    def _headers(self) -> dict[str, str]:
        h = self.cfg.http
        headers = {"Accept": "application/json", "User-Agent": "Argus/0.1"}
        if h.authorization is not None and h.authorization.credentials:
            auth = h.authorization
            headers["Authorization"] = f"{auth.type or 'Bearer'} {auth.credentials}"
        elif h.bearer_token:
            headers["Authorization"] = f"Bearer {h.bearer_token}"
        if h.basic_auth is not None:
            ba = h.basic_auth
            headers["Authorization"] = aiohttp.encode_basic_auth(ba.username, ba.password)
        return headers

    async def fetch(self, session: aiohttp.ClientSession) -> list[TargetGroup]:
        """All groups now served, plus empty groups for sources that disappeared."""
        try:
            async with asyncio.timeout(self.timeout):
                async with session.get(self.cfg.url, headers=self._headers()) as resp:
                    if resp.status != 200:
                        raise HTTPSDError(f"server returned HTTP status {resp.status}")
                    media = resp.headers.get("Content-Type", "").split(";")[0].strip()
                    if media != "application/json":
                        raise HTTPSDError(f"unsupported content type {media!r}")
                    body = await resp.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise HTTPSDError(f"{type(exc).__name__}: {exc}") from exc
        try:
            json.loads(body)
            groups = parse_file(self.cfg.url + ".json", body)
        except (ValueError, FileSDError) as exc:
            raise HTTPSDError(str(exc).replace(self.cfg.url + ".json", self.cfg.url)) from None
        out = [
            TargetGroup(
                f"{self.cfg.url}:{i}",
                g.targets,
                Labels([*g.labels.without("__meta_filepath"), ("__meta_url", self.cfg.url)]),
            )
            for i, g in enumerate(groups)
        ]
        sources = [g.source for g in out]
        out += [TargetGroup(s) for s in self._sources if s not in sources]
        self._sources = sources
        return out

    async def run(self, updates: asyncio.Queue[list[TargetGroup]]) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await updates.put(await self.fetch(session))
                except HTTPSDError as exc:
                    self.failures += 1
                    log.error("http_sd %s: keeping the last good targets: %s", self.cfg.url, exc)
                await asyncio.sleep(self.cfg.refresh_interval / 1000)
