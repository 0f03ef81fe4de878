"""Alertmanager targets from the ``alerting`` config, and the v2 API client.

A target is ``{scheme}://{address}{path_prefix}/api/v2/alerts``. Targets come from
``static_configs`` and go through the Alertmanager's ``relabel_configs`` with
``__address__``, ``__scheme__`` and ``__alerts_path__`` set, as in Prometheus, so a
config that rewrites them carries over. Only API v2 exists: Alertmanager removed v1.
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass

import aiohttp

from argus.config import AlertmanagerConfig, HTTPClientConfig
from argus.model import Labels
from argus.model.relabel import RelabelConfig, relabel
from argus.notify.errors import SendError

__all__ = ["AlertmanagerTarget", "post_alerts", "targets_from_config"]


@dataclass(frozen=True, slots=True)
class AlertmanagerTarget:
    """One Alertmanager to send to, with what its requests need."""

    url: str
    timeout_s: float = 10.0
    headers: tuple[tuple[str, str], ...] = ()
    alert_relabel_configs: tuple[RelabelConfig, ...] = ()
    tls_insecure: bool = False
    ca_file: str = ""

    def __repr__(self) -> str:
        return f"AlertmanagerTarget({self.url!r})"

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.url.startswith("https:"):
            return True
        if self.tls_insecure:
            return False
        return ssl.create_default_context(cafile=self.ca_file or None)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _headers(http: HTTPClientConfig) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if http.basic_auth is not None:
        b = http.basic_auth
        user = _read(b.username_file) if b.username_file else b.username
        password = _read(b.password_file) if b.password_file else b.password
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        out.append(("Authorization", f"Basic {token}"))
    elif http.authorization is not None:
        a = http.authorization
        cred = _read(a.credentials_file) if a.credentials_file else a.credentials
        out.append(("Authorization", f"{a.type} {cred}"))
    elif http.bearer_token or http.bearer_token_file:
        tok = _read(http.bearer_token_file) if http.bearer_token_file else http.bearer_token
        out.append(("Authorization", f"Bearer {tok}"))
    return tuple(out)


def targets_from_config(am: AlertmanagerConfig) -> list[AlertmanagerTarget]:
    """The static targets of one ``alertmanagers`` entry, after ``relabel_configs``."""
    prefix = "/" + am.path_prefix.strip("/")
    alerts_path = (prefix.rstrip("/") + "/api/v2/alerts") if prefix != "/" else "/api/v2/alerts"
    headers = _headers(am.http)
    out: list[AlertmanagerTarget] = []
    for sc in am.static_configs:
        for address in sc.targets:
            lb = {
                **dict(sc.labels),
                "__address__": address,
                "__scheme__": am.scheme,
                "__alerts_path__": alerts_path,
            }
            result = relabel(Labels(lb.items()), am.relabel_configs)
            if result is None:
                continue
            url = f"{result.get('__scheme__')}://{result.get('__address__')}"
            url += result.get("__alerts_path__")
            out.append(
                AlertmanagerTarget(
                    url=url,
                    timeout_s=am.timeout / 1000,
                    headers=headers,
                    alert_relabel_configs=am.alert_relabel_configs,
                    tls_insecure=am.http.tls_config.insecure_skip_verify,
                    ca_file=am.http.tls_config.ca_file,
                )
            )
    return out


async def post_alerts(
    session: aiohttp.ClientSession, target: AlertmanagerTarget, body: bytes
) -> None:
    """POST one batch; :class:`SendError` unless the Alertmanager answers 2xx.

    A 4xx answer is not retryable (the batch itself is bad); 5xx, connection errors and
    timeouts are.
    """
    headers = {"Content-Type": "application/json", **dict(target.headers)}
    timeout = aiohttp.ClientTimeout(total=target.timeout_s)
    try:
        async with session.post(
            target.url, data=body, headers=headers, timeout=timeout, ssl=target.ssl_context()
        ) as resp:
            if 200 <= resp.status < 300:
                return
            text = (await resp.text())[:200]
            raise SendError(
                f"bad response status {resp.status} from {target.url}: {text}",
                retryable=not 400 <= resp.status < 500,
            )
    except TimeoutError:
        raise SendError(f"timeout after {target.timeout_s}s posting to {target.url}") from None
    except aiohttp.ClientError as exc:
        raise SendError(f"posting to {target.url}: {exc}") from exc
