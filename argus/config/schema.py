"""prometheus.yml as typed, immutable dataclasses, with Prometheus's defaults.

Each field carries its YAML key (the attribute name), a converter that turns the YAML
value into the field's type (raising ``ValueError`` with a message), and a one-line
doc; :mod:`argus.config.load` walks these specs, so the schema is declared once and
the field reference in ``docs/config.md`` can be generated from it. Durations are
int milliseconds, sizes int bytes. ``None`` for the scrape interval/timeout/limits of a
job means "inherit from ``global``", resolved by the loader.

Sections Argus does not act on yet (``remote_read``, ``storage``, ``tracing``, other
service discoveries) are still parsed and kept as plain mappings, so a file Prometheus
accepts loads here too, and typos in the sections we do use are reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any

from argus.config.units import parse_duration, parse_size
from argus.model import Labels
from argus.model.relabel import RelabelConfig

__all__ = [
    "DEFAULT_SCRAPE_PROTOCOLS",
    "AlertingConfig",
    "AlertmanagerConfig",
    "Authorization",
    "BasicAuth",
    "Config",
    "FileSDConfig",
    "GlobalConfig",
    "HTTPClientConfig",
    "HTTPSDConfig",
    "ListOf",
    "RemoteWriteConfig",
    "ScrapeConfig",
    "StaticConfig",
    "TLSConfig",
    "spec",
]

Converter = Callable[[Any], Any]

# ``spec`` returns ``dataclasses.field(...)``; ruff cannot see that, hence the
# ``noqa: RUF009`` on fields whose type it does not know to be immutable.

DEFAULT_SCRAPE_PROTOCOLS = (
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
)
_PROTOCOLS = {*DEFAULT_SCRAPE_PROTOCOLS, "PrometheusProto"}


@dataclass(frozen=True, slots=True)
class ListOf:
    """A YAML sequence whose items each go through ``item`` (a converter or dataclass)."""

    item: Any


def spec(
    conv: Any,
    doc: str,
    *,
    default: Any = MISSING,
    factory: Callable[[], Any] | None = None,
    inline: bool = False,
    required: bool = False,
    secret: bool = False,
) -> Any:
    """Declare a field: converter (or dataclass / :class:`ListOf`), doc and default.

    ``secret`` fields stay out of ``repr`` so configs can be logged.
    """
    meta = {"conv": conv, "doc": doc, "inline": inline, "required": required}
    if factory is not None:
        return field(default_factory=factory, metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


# -- converters ----------------------------------------------------------------------


def string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return str(value)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def uint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return value


def duration(value: Any) -> int:
    return parse_duration(value)


def size(value: Any) -> int:
    return parse_size(value)


def string_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, got {type(value).__name__}")
    return tuple(string(v) for v in value)


_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def label_set(value: Any) -> Labels:
    """A mapping of label names to values (``external_labels``, static ``labels``)."""
    if value is None:
        return Labels()
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping of labels, got {type(value).__name__}")
    pairs = []
    for name, val in value.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{name!r} is not a valid label name")
        pairs.append((name, string(val)))
    return Labels(pairs)


def params(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """URL parameters: name -> list of values (``params`` of a scrape config)."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping of parameter names to lists of values")
    return tuple(sorted((string(k), string_list(v)) for k, v in value.items()))


def raw_mapping(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping, got {type(value).__name__}")
    return dict(value)


def relabel_rule(value: Any) -> RelabelConfig:
    if value is None:
        raise ValueError("empty or null relabeling rule")
    if not isinstance(value, Mapping):
        raise ValueError("expected a relabel rule mapping")
    return RelabelConfig.from_dict(value)


def scrape_protocol(value: Any) -> str:
    text = string(value)
    if text not in _PROTOCOLS:
        raise ValueError(f"unknown scrape protocol {text}, supported: {sorted(_PROTOCOLS)}")
    return text


def optional_scrape_protocol(value: Any) -> str:
    return scrape_protocol(value) if value else ""


def scheme(value: Any) -> str:
    text = string(value)
    if text not in ("http", "https"):
        raise ValueError(f"unknown scheme {text!r}, expected http or https")
    return text


# -- HTTP client ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str = spec(string, "User name.", default="")
    username_file: str = spec(string, "File to read the user name from.", default="")
    password: str = spec(string, "Password.", default="", secret=True)
    password_file: str = spec(string, "File to read the password from.", default="")


@dataclass(frozen=True, slots=True)
class Authorization:
    type: str = spec(string, "Authentication scheme of the header.", default="Bearer")
    credentials: str = spec(string, "The credentials.", default="", secret=True)
    credentials_file: str = spec(string, "File to read the credentials from.", default="")


@dataclass(frozen=True, slots=True)
class TLSConfig:
    ca_file: str = spec(string, "CA certificate to verify the server with.", default="")
    ca: str = spec(string, "CA certificate, inline PEM.", default="")
    cert_file: str = spec(string, "Client certificate for mutual TLS.", default="")
    cert: str = spec(string, "Client certificate, inline PEM.", default="")
    key_file: str = spec(string, "Client key for mutual TLS.", default="")
    key: str = spec(string, "Client key, inline PEM.", default="", secret=True)
    server_name: str = spec(string, "Server name to verify (SNI).", default="")
    insecure_skip_verify: bool = spec(boolean, "Skip certificate checks.", default=False)
    min_version: str = spec(string, "Lowest TLS version (TLS10..TLS13).", default="")
    max_version: str = spec(string, "Highest TLS version.", default="")


@dataclass(frozen=True, slots=True)
class HTTPClientConfig:
    """Prometheus's common HTTP client settings, written inline in their parent."""

    basic_auth: BasicAuth | None = spec(BasicAuth, "HTTP basic authentication.", default=None)  # noqa: RUF009
    authorization: Authorization | None = spec(Authorization, "Authorization header.", default=None)  # noqa: RUF009
    bearer_token: str = spec(string, "Deprecated: use authorization.", default="", secret=True)
    bearer_token_file: str = spec(string, "Deprecated: use authorization.", default="")
    oauth2: Mapping[str, Any] | None = spec(raw_mapping, "OAuth 2.0 (not yet used).", default=None)
    tls_config: TLSConfig = spec(TLSConfig, "TLS settings.", factory=TLSConfig)  # noqa: RUF009
    proxy_url: str = spec(string, "HTTP proxy URL.", default="")
    no_proxy: str = spec(string, "Hosts that bypass the proxy.", default="")
    proxy_from_environment: bool = spec(boolean, "Use HTTP(S)_PROXY.", default=False)
    proxy_connect_header: Mapping[str, Any] = spec(
        raw_mapping, "Headers sent to the proxy.", factory=dict
    )
    follow_redirects: bool = spec(boolean, "Follow HTTP 3xx redirects.", default=True)
    enable_http2: bool = spec(boolean, "Allow HTTP/2.", default=True)
    http_headers: Mapping[str, Any] = spec(raw_mapping, "Extra request headers.", factory=dict)


# -- discovery -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaticConfig:
    targets: tuple[str, ...] = spec(string_list, "host:port addresses.", factory=tuple)
    labels: Labels = spec(label_set, "Labels added to every target.", factory=Labels)  # noqa: RUF009


@dataclass(frozen=True, slots=True)
class FileSDConfig:
    files: tuple[str, ...] = spec(
        string_list, "Files (globs in the last path element) of target groups.", factory=tuple
    )
    refresh_interval: int = spec(duration, "Re-read interval besides watching.", default=300_000)


@dataclass(frozen=True, slots=True)
class HTTPSDConfig:
    url: str = spec(string, "URL returning a JSON list of target groups.", default="")
    refresh_interval: int = spec(duration, "How often to fetch the URL.", default=60_000)
    http: HTTPClientConfig = spec(  # noqa: RUF009
        HTTPClientConfig, "HTTP client settings.", factory=HTTPClientConfig, inline=True
    )


SD_KINDS = (
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "docker_sd_configs",
    "dockerswarm_sd_configs",
    "dns_sd_configs",
    "ec2_sd_configs",
    "eureka_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "ionos_sd_configs",
    "kubernetes_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "openstack_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
)
"""Discoveries parsed and kept as raw mappings until Argus implements them."""


# -- top level -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GlobalConfig:
    scrape_interval: int = spec(duration, "Default scrape interval.", default=60_000)
    scrape_timeout: int = spec(duration, "Default scrape timeout.", default=10_000)
    scrape_protocols: tuple[str, ...] = spec(
        ListOf(scrape_protocol), "Accept header preference.", default=DEFAULT_SCRAPE_PROTOCOLS
    )
    evaluation_interval: int = spec(duration, "Default rule evaluation interval.", default=60_000)
    rule_query_offset: int = spec(duration, "Rule query offset.", default=0)
    external_labels: Labels = spec(label_set, "Labels added on the way out.", factory=Labels)  # noqa: RUF009
    query_log_file: str = spec(string, "File to log PromQL queries to.", default="")
    scrape_failure_log_file: str = spec(string, "File to log scrape failures to.", default="")
    body_size_limit: int = spec(size, "Largest uncompressed body (0: none).", default=0)
    sample_limit: int = spec(uint, "Most samples per scrape (0: none).", default=0)
    label_limit: int = spec(uint, "Most labels per sample (0: none).", default=0)
    label_name_length_limit: int = spec(uint, "Longest label name (0: none).", default=0)
    label_value_length_limit: int = spec(uint, "Longest label value (0: none).", default=0)
    target_limit: int = spec(uint, "Most targets per job (0: none).", default=0)
    keep_dropped_targets: int = spec(uint, "Dropped targets kept for the UI.", default=0)
    metric_name_validation_scheme: str = spec(string, "utf8 or legacy.", default="utf8")
    metric_name_escaping_scheme: str = spec(string, "How to escape names.", default="")
    convert_classic_histograms_to_nhcb: bool = spec(boolean, "Not yet used.", default=False)
    always_scrape_classic_histograms: bool = spec(boolean, "Not yet used.", default=False)
    extra_scrape_metrics: bool = spec(boolean, "Not yet used.", default=False)


@dataclass(frozen=True, slots=True)
class ScrapeConfig:
    job_name: str = spec(string, "The job label of scraped series.", default="")
    honor_labels: bool = spec(boolean, "Keep the target's labels on clashes.", default=False)
    honor_timestamps: bool = spec(boolean, "Use timestamps the target exposes.", default=True)
    track_timestamps_staleness: bool = spec(
        boolean, "Staleness for explicit timestamps.", default=False
    )
    scheme: str = spec(scheme, "http or https.", default="http")
    metrics_path: str = spec(string, "HTTP path to scrape.", default="/metrics")
    params: tuple[tuple[str, tuple[str, ...]], ...] = spec(
        params, "URL query parameters.", factory=tuple
    )
    scrape_interval: int | None = spec(duration, "Overrides the global value.", default=None)
    scrape_timeout: int | None = spec(duration, "Overrides the global value.", default=None)
    scrape_protocols: tuple[str, ...] | None = spec(
        ListOf(scrape_protocol), "Overrides the global value.", default=None
    )
    fallback_scrape_protocol: str = spec(
        optional_scrape_protocol,
        "Protocol for a missing or unknown Content-Type.",
        default="",
    )
    enable_compression: bool = spec(boolean, "Ask for gzip.", default=True)
    body_size_limit: int | None = spec(size, "Overrides the global value.", default=None)
    sample_limit: int | None = spec(uint, "Overrides the global value.", default=None)
    label_limit: int | None = spec(uint, "Overrides the global value.", default=None)
    label_name_length_limit: int | None = spec(uint, "Overrides the global value.", default=None)
    label_value_length_limit: int | None = spec(uint, "Overrides the global value.", default=None)
    target_limit: int | None = spec(uint, "Overrides the global value.", default=None)
    keep_dropped_targets: int | None = spec(uint, "Overrides the global value.", default=None)
    metric_name_validation_scheme: str = spec(string, "utf8 or legacy.", default="")
    metric_name_escaping_scheme: str = spec(string, "How to escape names.", default="")
    static_configs: tuple[StaticConfig, ...] = spec(
        ListOf(StaticConfig), "Fixed targets.", factory=tuple
    )
    file_sd_configs: tuple[FileSDConfig, ...] = spec(
        ListOf(FileSDConfig), "Targets from files.", factory=tuple
    )
    http_sd_configs: tuple[HTTPSDConfig, ...] = spec(
        ListOf(HTTPSDConfig), "Targets from an HTTP endpoint.", factory=tuple
    )
    relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Target relabelling.", factory=tuple
    )
    metric_relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Sample relabelling.", factory=tuple
    )
    http: HTTPClientConfig = spec(  # noqa: RUF009
        HTTPClientConfig, "HTTP client settings.", factory=HTTPClientConfig, inline=True
    )
    other_sd_configs: Mapping[str, Any] = spec(
        raw_mapping, "Other discoveries, kept raw (see SD_KINDS).", factory=dict
    )

    @property
    def interval_ms(self) -> int:
        assert self.scrape_interval is not None, "resolved by the loader"
        return self.scrape_interval

    @property
    def timeout_ms(self) -> int:
        assert self.scrape_timeout is not None, "resolved by the loader"
        return self.scrape_timeout


@dataclass(frozen=True, slots=True)
class AlertmanagerConfig:
    scheme: str = spec(scheme, "http or https.", default="http")
    path_prefix: str = spec(string, "Prefix of the Alertmanager API path.", default="/")
    timeout: int = spec(duration, "Per-request timeout.", default=10_000)
    api_version: str = spec(string, "Alertmanager API version (v2).", default="v2")
    static_configs: tuple[StaticConfig, ...] = spec(
        ListOf(StaticConfig), "Fixed Alertmanagers.", factory=tuple
    )
    file_sd_configs: tuple[FileSDConfig, ...] = spec(
        ListOf(FileSDConfig), "Alertmanagers from files.", factory=tuple
    )
    http_sd_configs: tuple[HTTPSDConfig, ...] = spec(
        ListOf(HTTPSDConfig), "Alertmanagers from HTTP.", factory=tuple
    )
    relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Alertmanager target relabelling.", factory=tuple
    )
    alert_relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Alert relabelling for this Alertmanager.", factory=tuple
    )
    http: HTTPClientConfig = spec(  # noqa: RUF009
        HTTPClientConfig, "HTTP client settings.", factory=HTTPClientConfig, inline=True
    )
    other_sd_configs: Mapping[str, Any] = spec(raw_mapping, "Other discoveries.", factory=dict)


@dataclass(frozen=True, slots=True)
class AlertingConfig:
    alert_relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Alert relabelling.", factory=tuple
    )
    alertmanagers: tuple[AlertmanagerConfig, ...] = spec(
        ListOf(AlertmanagerConfig), "Where to send alerts.", factory=tuple
    )


@dataclass(frozen=True, slots=True)
class RemoteWriteConfig:
    url: str = spec(string, "Endpoint to send samples to.", default="")
    name: str = spec(string, "Unique name of this remote write.", default="")
    remote_timeout: int = spec(duration, "Per-request timeout.", default=30_000)
    headers: Mapping[str, Any] = spec(raw_mapping, "Extra headers.", factory=dict)
    write_relabel_configs: tuple[RelabelConfig, ...] = spec(
        ListOf(relabel_rule), "Relabelling before sending.", factory=tuple
    )
    send_exemplars: bool = spec(boolean, "Send exemplars.", default=False)
    send_native_histograms: bool = spec(boolean, "Send native histograms.", default=False)
    protobuf_message: str = spec(string, "Remote write protocol message.", default="")
    round_robin_dns: bool = spec(boolean, "Spread over DNS results.", default=False)
    queue_config: Mapping[str, Any] = spec(raw_mapping, "Queue tuning.", factory=dict)
    metadata_config: Mapping[str, Any] = spec(raw_mapping, "Metadata sending.", factory=dict)
    sigv4: Mapping[str, Any] | None = spec(raw_mapping, "AWS SigV4 (not yet used).", default=None)
    azuread: Mapping[str, Any] | None = spec(raw_mapping, "Azure AD (not yet used).", default=None)
    google_iam: Mapping[str, Any] | None = spec(raw_mapping, "Google IAM.", default=None)
    http: HTTPClientConfig = spec(  # noqa: RUF009
        HTTPClientConfig, "HTTP client settings.", factory=HTTPClientConfig, inline=True
    )


@dataclass(frozen=True, slots=True)
class Config:
    """A whole prometheus.yml. ``source`` is the file it came from, if any."""

    global_: GlobalConfig = spec(  # noqa: RUF009
        GlobalConfig, "Defaults for everything below.", factory=GlobalConfig
    )
    scrape_configs: tuple[ScrapeConfig, ...] = spec(
        ListOf(ScrapeConfig), "Scrape jobs.", factory=tuple
    )
    scrape_config_files: tuple[str, ...] = spec(
        string_list, "Files (globs) with more scrape configs.", factory=tuple
    )
    rule_files: tuple[str, ...] = spec(string_list, "Rule file globs.", factory=tuple)
    alerting: AlertingConfig = spec(AlertingConfig, "Alertmanagers.", factory=AlertingConfig)  # noqa: RUF009
    remote_write: tuple[RemoteWriteConfig, ...] = spec(
        ListOf(RemoteWriteConfig), "Remote write endpoints.", factory=tuple
    )
    remote_read: tuple[Mapping[str, Any], ...] = spec(
        ListOf(raw_mapping), "Remote read (not yet used).", factory=tuple
    )
    storage: Mapping[str, Any] = spec(raw_mapping, "Storage settings.", factory=dict)
    tracing: Mapping[str, Any] = spec(raw_mapping, "Tracing (not yet used).", factory=dict)
    otlp: Mapping[str, Any] = spec(raw_mapping, "OTLP receiver settings.", factory=dict)
    runtime: Mapping[str, Any] = spec(raw_mapping, "Runtime settings.", factory=dict)
    source: str = field(default="", metadata={"internal": True})

    def job(self, name: str) -> ScrapeConfig | None:
        for sc in self.scrape_configs:
            if sc.job_name == name:
                return sc
        return None


YAML_NAMES = {"global_": "global"}
"""Attribute names that differ from their YAML keys (Python keywords)."""
