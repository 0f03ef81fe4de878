"""Cross-field rules of prometheus.yml that a single field's converter cannot see.

Messages follow Prometheus's wording (``config/config.go``, ``common/config``), so a
user who searches an error finds Prometheus's docs and issues. Each check yields
``(message, field path)``; the loader turns the first into a ``ConfigError`` with the
YAML line of that path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from argus.config.schema import (
    AlertmanagerConfig,
    Config,
    FileSDConfig,
    HTTPClientConfig,
    ScrapeConfig,
    StaticConfig,
)

__all__ = ["Problem", "validate"]

Problem = tuple[str, tuple[str | int, ...]]

_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FILE_SD_NAME = re.compile(r"[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)")


def validate(cfg: Config) -> Iterator[Problem]:
    """Every problem in ``cfg``, in file order as far as practical."""
    g = cfg.global_
    if g.scrape_timeout > g.scrape_interval:
        yield "global scrape timeout greater than scrape interval", ("global", "scrape_timeout")
    if g.metric_name_validation_scheme not in ("utf8", "legacy"):
        yield (
            "unknown global name validation method specified, must be either "
            f"'legacy' or 'utf8', got {g.metric_name_validation_scheme}",
            ("global", "metric_name_validation_scheme"),
        )
    legacy = g.metric_name_validation_scheme == "legacy"
    for name, _ in g.external_labels:
        if legacy and not _LEGACY_LABEL.fullmatch(name):
            yield f"{name!r} is not a valid label name", ("global", "external_labels", name)
    yield from _protocols(g.scrape_protocols, ("global", "scrape_protocols"))
    for i, pattern in enumerate(cfg.rule_files):
        if not _valid_glob(pattern):
            yield f"invalid rule file path {pattern!r}", ("rule_files", i)
    for i, pattern in enumerate(cfg.scrape_config_files):
        if not _valid_glob(pattern):
            yield f"invalid scrape config file path {pattern!r}", ("scrape_config_files", i)
    seen_jobs: set[str] = set()
    for i, sc in enumerate(cfg.scrape_configs):
        path: tuple[str | int, ...] = ("scrape_configs", i)
        if sc.job_name in seen_jobs:
            yield (
                f"found multiple scrape configs with job name {sc.job_name!r}",
                (*path, "job_name"),
            )
        seen_jobs.add(sc.job_name)
        yield from _scrape(sc, path)
    for i, am in enumerate(cfg.alerting.alertmanagers):
        yield from _alertmanager(am, ("alerting", "alertmanagers", i))
    names: set[str] = set()
    for i, rw in enumerate(cfg.remote_write):
        path = ("remote_write", i)
        if not rw.url:
            yield "url for remote_write is empty", path
        else:
            yield from _url(rw.url, (*path, "url"))
        if rw.name and rw.name in names:
            yield f"found multiple remote write configs with job name {rw.name!r}", path
        names.add(rw.name)
        yield from _http(rw.http, path)


def _scrape(sc: ScrapeConfig, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if not sc.job_name:
        yield "job_name is empty", (*path, "job_name")
    if sc.interval_ms and sc.timeout_ms > sc.interval_ms:
        yield (
            f"scrape timeout greater than scrape interval for scrape config with job name "
            f"{sc.job_name!r}",
            (*path, "scrape_timeout"),
        )
    if sc.metric_name_validation_scheme not in ("utf8", "legacy"):
        yield (
            "unknown scrape config name validation method specified, must be either "
            f"'', 'legacy' or 'utf8', got {sc.metric_name_validation_scheme}",
            (*path, "metric_name_validation_scheme"),
        )
    if sc.scrape_protocols is not None:
        yield from _protocols(sc.scrape_protocols, (*path, "scrape_protocols"))
    if not sc.metrics_path.startswith("/"):
        yield f"metrics_path {sc.metrics_path!r} must start with '/'", (*path, "metrics_path")
    yield from _static(sc.static_configs, path)
    yield from _file_sd(sc.file_sd_configs, path)
    for j, hsd in enumerate(sc.http_sd_configs):
        yield from _url(hsd.url, (*path, "http_sd_configs", j, "url"))
        yield from _http(hsd.http, (*path, "http_sd_configs", j))
    yield from _http(sc.http, path)


def _alertmanager(am: AlertmanagerConfig, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if am.api_version != "v2":
        yield (
            f"expected Alertmanager api version to be one of [v2] but got {am.api_version}",
            (*path, "api_version"),
        )
    yield from _static(am.static_configs, path)
    yield from _file_sd(am.file_sd_configs, path)
    yield from _http(am.http, path)


def _static(configs: tuple[StaticConfig, ...], path: tuple[str | int, ...]) -> Iterator[Problem]:
    for j, st in enumerate(configs):
        for k, target in enumerate(st.targets):
            if "/" in target or not target:
                yield (
                    f"{target!r} is not a valid hostname",
                    (*path, "static_configs", j, "targets", k),
                )


def _file_sd(configs: tuple[FileSDConfig, ...], path: tuple[str | int, ...]) -> Iterator[Problem]:
    for j, fsd in enumerate(configs):
        for k, name in enumerate(fsd.files):
            if not _FILE_SD_NAME.fullmatch(name):
                yield (
                    f"path name {name!r} is not valid for file discovery",
                    (*path, "file_sd_configs", j, "files", k),
                )


def _protocols(protocols: tuple[str, ...], path: tuple[str | int, ...]) -> Iterator[Problem]:
    if not protocols:
        yield "scrape_protocols cannot be empty", path
    if len(set(protocols)) != len(protocols):
        yield f"duplicated protocol in scrape_protocols, got {list(protocols)}", path


def _url(url: str, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if not url:
        yield "URL is missing", path
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        yield "URL scheme must be 'http' or 'https'", path
    elif not parts.hostname:
        yield "host is missing in URL", path


def _http(h: HTTPClientConfig, path: tuple[str | int, ...]) -> Iterator[Problem]:
    """Prometheus's ``HTTPClientConfig.Validate`` (prometheus/common)."""
    if h.bearer_token and h.bearer_token_file:
        yield "at most one of bearer_token & bearer_token_file must be configured", path
    bearer = bool(h.bearer_token or h.bearer_token_file)
    if sum((h.basic_auth is not None, h.oauth2 is not None, bearer)) > 1:
        yield (
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file "
            "must be configured",
            path,
        )
    ba = h.basic_auth
    if ba is not None:
        if ba.username and ba.username_file:
            yield "at most one of basic_auth username & username_file must be configured", path
        if ba.password and ba.password_file:
            yield "at most one of basic_auth password & password_file must be configured", path
    auth = h.authorization
    if auth is not None:
        if bearer:
            yield "authorization is not compatible with bearer_token & bearer_token_file", path
        if auth.credentials and auth.credentials_file:
            yield (
                "at most one of authorization credentials & credentials_file must be configured",
                path,
            )
        if auth.type.lower() == "basic":
            yield 'authorization type cannot be set to "basic", use "basic_auth" instead', path
        if ba is not None or h.oauth2 is not None:
            yield "at most one of basic_auth, oauth2 & authorization must be configured", path
    tls = h.tls_config
    if tls.cert_file and tls.cert:
        yield "at most one of cert and cert_file must be configured", (*path, "tls_config")
    if bool(tls.cert or tls.cert_file) != bool(tls.key or tls.key_file):
        yield (
            "exactly one of key or key_file must be configured when a client certificate is set",
            (
                *path,
                "tls_config",
            ),
        )
    if tls.min_version and tls.min_version not in ("TLS10", "TLS11", "TLS12", "TLS13"):
        yield f"unknown TLS version: {tls.min_version}", (*path, "tls_config", "min_version")


def _valid_glob(pattern: str) -> bool:
    """Go's ``filepath.Match`` rejects only malformed character classes."""
    depth = 0
    escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            if depth:
                return False
            depth = 1
        elif ch == "]" and depth:
            depth = 0
    return depth == 0 and not escaped
