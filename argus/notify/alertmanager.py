"""Alertmanager targets from discovered groups and the ``alerting`` config, and the v2 client.

Prometheus's rules (``notifier.AlertmanagerFromGroup``): each discovered target starts
from its own labels (``__address__`` and the provider's ``__meta_*``), gets
``__scheme__`` (the config's ``scheme``) and ``__alerts_path__`` (``path_prefix`` +
``/api/v2/alerts``), then the group's labels where the target has none of that name
(so a group label may override the scheme or path); ``relabel_configs`` run on that,
and the target is ``{__scheme__}://{__address__}{__alerts_path__}``. A target dropped
by relabelling is reported by its labels before relabelling. Only API v2 exists:
Alertmanager removed v1, and the config loader rejects ``api_version: v1``.
"""

from __future__ import annotations

import base64
import functools
import posixpath
import ssl
from dataclasses import dataclass, field

import aiohttp

from argus.config import AlertmanagerConfig, HTTPClientConfig, TLSConfig
from argus.discovery import TargetGroup, static_groups
from argus.model import Labels
from argus.model.relabel import RelabelConfig, relabel
from argus.notify.errors import NotifyError, SendError

__all__ = [
    "AlertmanagerTarget",
    "alertmanager_labels",
    "alertmanager_url",
    "post_alerts",
    "target_for",
    "targets_from_config",
]

ALERTS_PATH_LABEL = "__alerts_path__"


@dataclass(frozen=True, slots=True)
class AlertmanagerTarget:
    """One Alertmanager to send to, with what its requests need."""

    url: str
    timeout_s: float = 10.0
    headers: tuple[tuple[str, str], ...] = ()
    alert_relabel_configs: tuple[RelabelConfig, ...] = ()
    tls: TLSConfig = field(default_factory=TLSConfig)

    def __repr__(self) -> str:
        return f"AlertmanagerTarget({self.url!r})"

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.url.startswith("https:"):
            return True
        return _ssl_context(self.tls)


@functools.lru_cache(maxsize=64)
def _ssl_context(tls: TLSConfig) -> ssl.SSLContext | bool:
    """The context for one TLS config, built once (loading CA bundles is not cheap)."""
    if tls.insecure_skip_verify and not (tls.cert_file or tls.key_file):
        return False
    ctx = ssl.create_default_context(cafile=tls.ca_file or None, cadata=tls.ca or None)
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.cert_file:
        ctx.load_cert_chain(tls.cert_file, tls.key_file or None)
    versions = {f"TLS1{i}": getattr(ssl.TLSVersion, f"TLSv1_{i}") for i in range(1, 4)}
    versions["TLS10"] = ssl.TLSVersion.TLSv1
    if tls.min_version in versions:
        ctx.minimum_version = versions[tls.min_version]
    if tls.max_version in versions:
        ctx.maximum_version = versions[tls.max_version]
    return ctx


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


def _alerts_path(path_prefix: str) -> str:
    """``path.Join("/", prefix, "/api/v2/alerts")``: cleaned, one leading slash."""
    return posixpath.normpath(posixpath.join("/", path_prefix.lstrip("/"), "api/v2/alerts"))


def alertmanager_url(labels: Labels) -> str:
    """``{__scheme__}://{__address__}{__alerts_path__}``, as Go's ``url.URL.String``."""
    path = labels.get(ALERTS_PATH_LABEL)
    host = labels.get("__address__")
    if path and not path.startswith("/") and host:
        path = "/" + path
    return f"{labels.get('__scheme__')}://{host}{path}"


def alertmanager_labels(
    group: TargetGroup, am: AlertmanagerConfig
) -> tuple[list[Labels], list[Labels]]:
    """The group's Alertmanagers after ``relabel_configs``, and the dropped ones before.

    :class:`NotifyError` if a kept address contains a ``/`` (a URL written where a
    ``host:port`` belongs): Prometheus then rejects the whole group.
    """
    active: list[Labels] = []
    dropped: list[Labels] = []
    path = _alerts_path(am.path_prefix)
    for target in group.targets:
        own = dict(target)
        lb = {**own, "__scheme__": am.scheme, ALERTS_PATH_LABEL: path}
        lb.update((name, value) for name, value in group.labels if name not in own)
        before = Labels(lb.items())
        after = relabel(before, am.relabel_configs)
        if after is None:
            dropped.append(before)
            continue
        address = after.get("__address__")
        if "/" in address:
            raise NotifyError(f"{address!r} is not a valid hostname")
        active.append(after)
    return active, dropped


def target_for(labels: Labels, am: AlertmanagerConfig) -> AlertmanagerTarget:
    """What sending to the Alertmanager ``labels`` describes needs from its config."""
    return AlertmanagerTarget(
        url=alertmanager_url(labels),
        timeout_s=am.timeout / 1000,
        headers=_headers(am.http),
        alert_relabel_configs=am.alert_relabel_configs,
        tls=am.http.tls_config,
    )


def targets_from_config(am: AlertmanagerConfig) -> list[AlertmanagerTarget]:
    """The static targets of one ``alertmanagers`` entry, after ``relabel_configs``."""
    out: list[AlertmanagerTarget] = []
    for group in static_groups(am.static_configs):
        active, _ = alertmanager_labels(group, am)
        out.extend(target_for(lb, am) for lb in active)
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
