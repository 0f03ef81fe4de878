"""Generate the prometheus.yml field reference from the schema (docs/config.md).

The reference lives between two markers in ``docs/config.md``; a test regenerates it
and fails when the page drifts from the code, so the docs never lie about a default.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from argus.config.schema import (
    YAML_NAMES,
    AlertingConfig,
    AlertmanagerConfig,
    Authorization,
    BasicAuth,
    Config,
    FileSDConfig,
    GlobalConfig,
    HTTPClientConfig,
    HTTPSDConfig,
    ListOf,
    RemoteWriteConfig,
    ScrapeConfig,
    StaticConfig,
    TLSConfig,
)
from argus.config.units import format_duration

__all__ = ["BEGIN", "END", "field_reference"]

BEGIN = "<!-- BEGIN GENERATED FIELD REFERENCE (python -m argus.config.docs) -->"
END = "<!-- END GENERATED FIELD REFERENCE -->"

_SECTIONS: list[tuple[str, type]] = [
    ("top level", Config),
    ("global", GlobalConfig),
    ("scrape_configs[]", ScrapeConfig),
    ("static_configs[]", StaticConfig),
    ("file_sd_configs[]", FileSDConfig),
    ("http_sd_configs[]", HTTPSDConfig),
    ("HTTP client (inline in scrape, alertmanager, http_sd, remote_write)", HTTPClientConfig),
    ("basic_auth", BasicAuth),
    ("authorization", Authorization),
    ("tls_config", TLSConfig),
    ("alerting", AlertingConfig),
    ("alerting.alertmanagers[]", AlertmanagerConfig),
    ("remote_write[]", RemoteWriteConfig),
]


def _kind(conv: Any) -> str:
    if isinstance(conv, ListOf):
        return f"list of {_kind(conv.item)}"
    if isinstance(conv, type):
        return conv.__name__
    return str(getattr(conv, "__name__", "value")).replace("_", " ")


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return ""
    if value is None:
        return "(inherits or unset)"
    if _kind(f.metadata["conv"]) == "duration" and isinstance(value, int):
        return format_duration(value)
    if dataclasses.is_dataclass(value) or value in ({}, (), ""):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def field_reference() -> str:
    out = [BEGIN, ""]
    for title, cls in _SECTIONS:
        out += [f"### {title}", "", "| field | type | default | meaning |", "|---|---|---|---|"]
        for f in dataclasses.fields(cls):
            if (
                f.metadata.get("internal")
                or f.metadata.get("inline")
                or f.name == "other_sd_configs"
            ):
                continue
            name = YAML_NAMES.get(f.name, f.name)
            default = _default(f).replace("|", "\\|")
            out.append(
                f"| `{name}` | {_kind(f.metadata['conv'])} | {default} | {f.metadata['doc']} |"
            )
        out.append("")
    out.append(END)
    return "\n".join(out)


if __name__ == "__main__":
    print(field_reference())
