"""prometheus.yml: typed schema with Prometheus's defaults, strict loading, validation."""

from argus.config.errors import ConfigError
from argus.config.load import load_file, load_string
from argus.config.schema import (
    AlertingConfig,
    AlertmanagerConfig,
    Config,
    FileSDConfig,
    GlobalConfig,
    HTTPClientConfig,
    HTTPSDConfig,
    RemoteWriteConfig,
    ScrapeConfig,
    StaticConfig,
    TLSConfig,
)
from argus.config.units import format_duration, parse_duration, parse_size

__all__ = [
    "AlertingConfig",
    "AlertmanagerConfig",
    "Config",
    "ConfigError",
    "FileSDConfig",
    "GlobalConfig",
    "HTTPClientConfig",
    "HTTPSDConfig",
    "RemoteWriteConfig",
    "ScrapeConfig",
    "StaticConfig",
    "TLSConfig",
    "format_duration",
    "load_file",
    "load_string",
    "parse_duration",
    "parse_size",
]
