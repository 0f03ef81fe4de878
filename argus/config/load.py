"""Load prometheus.yml: YAML with line numbers, decoded by the schema's field specs.

Loading is strict the way Prometheus's is (Go's ``yaml.UnmarshalStrict``): unknown
keys and duplicate keys are errors, and every error names the field path and the
YAML line, e.g. ``prometheus.yml:14: scrape_configs[0].scrape_timeout: not a valid
duration string: '10'``. After decoding, jobs inherit unset values from ``global``
exactly as Prometheus does, then :mod:`argus.config.validate` checks the cross-field
rules.
"""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from argus.config.errors import ConfigError
from argus.config.schema import (
    SD_KINDS,
    YAML_NAMES,
    Config,
    GlobalConfig,
    ListOf,
    ScrapeConfig,
)
from argus.config.validate import validate
from argus.model.relabel import RelabelConfig, RelabelConfigError

__all__ = ["LineMap", "decode", "load_file", "load_string"]

T = TypeVar("T")
Path_ = tuple[str | int, ...]
LineMap = dict[Path_, int]
"""Field path (keys and list indexes) -> 1-based YAML line."""


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Context:
    def __init__(self, lines: LineMap, source: str) -> None:
        self.lines = lines
        self.source = source

    def error(self, message: str, path: Path_) -> ConfigError:
        line = None
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line is not None:
                break
        return ConfigError(message, path=format_path(path), line=line, source=self.source)


def _record_lines(node: yaml.Node, path: Path_, lines: LineMap, ctx_source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key == "<<":
                continue
            if key in seen:
                raise ConfigError(
                    f"mapping key {key!r} already defined",
                    path=format_path(path),
                    line=key_node.start_mark.line + 1,
                    source=ctx_source,
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _record_lines(value_node, (*path, key), lines, ctx_source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, (*path, i), lines, ctx_source)


def parse_yaml(text: str, source: str = "") -> tuple[Any, LineMap]:
    """YAML to plain data plus the line of every field; YAML errors become ConfigError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"parsing YAML: {problem}", line=line, source=source) from None
    lines: LineMap = {}
    if node is not None:
        _record_lines(node, (), lines, source)
    return data, lines


def decode(cls: type[T], data: Any, path: Path_, ctx: _Context) -> T:
    """Decode a YAML mapping into dataclass ``cls`` using its field specs."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ctx.error(f"expected a mapping, got {type(data).__name__}", path)
    fields = [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]  # type: ignore[arg-type]
    own = {YAML_NAMES.get(f.name, f.name): f for f in fields if not f.metadata.get("inline")}
    inline = [f for f in fields if f.metadata.get("inline")]
    inline_keys = {
        YAML_NAMES.get(g.name, g.name): f
        for f in inline
        for g in dataclasses.fields(f.metadata["conv"])
    }
    kwargs: dict[str, Any] = {}
    inline_data: dict[str, dict[str, Any]] = {f.name: {} for f in inline}
    other: dict[str, Any] = {}
    for key, value in data.items():
        key_s = str(key)
        if key_s in own and key_s != "other_sd_configs":
            f = own[key_s]
            kwargs[f.name] = _convert(f.metadata["conv"], value, (*path, key_s), ctx)
        elif key_s in inline_keys:
            inline_data[inline_keys[key_s].name][key_s] = value
        elif key_s in SD_KINDS and "other_sd_configs" in own:
            if value is not None and not isinstance(value, list):
                raise ctx.error("expected a list", (*path, key_s))
            other[key_s] = value or []
        else:
            raise ctx.error(f"field {key_s} not found in type {_type_name(cls)}", (*path, key_s))
    for f in inline:
        kwargs[f.name] = decode(f.metadata["conv"], inline_data[f.name], path, ctx)
    if other:
        kwargs["other_sd_configs"] = other
    for key, f in own.items():
        if f.metadata.get("required") and key not in data:
            raise ctx.error(f"{key} is required", path)
    try:
        return cls(**kwargs)
    except (RelabelConfigError, ValueError) as exc:
        raise ctx.error(str(exc), path) from None


def _type_name(cls: type) -> str:
    return cls.__name__


def _convert(conv: Any, value: Any, path: Path_, ctx: _Context) -> Any:
    if isinstance(conv, ListOf):
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ctx.error(f"expected a list, got {type(value).__name__}", path)
        return tuple(_convert(conv.item, v, (*path, i), ctx) for i, v in enumerate(value))
    if dataclasses.is_dataclass(conv) and isinstance(conv, type):
        if value is None:
            raise ctx.error(f"empty or null {_type_name(conv)} section", path)
        return decode(conv, value, path, ctx)
    try:
        return conv(value)
    except RelabelConfigError as exc:
        sub = (*path, exc.field) if exc.field else path
        raise ctx.error(str(exc), sub) from None
    except ValueError as exc:
        raise ctx.error(str(exc), path) from None


def _resolve_job(sc: ScrapeConfig, g: GlobalConfig) -> ScrapeConfig:
    """Inherit from ``global`` the way Prometheus's ``ScrapeConfig.Validate`` does."""
    interval = sc.scrape_interval if sc.scrape_interval is not None else g.scrape_interval
    if sc.scrape_timeout is not None:
        timeout = sc.scrape_timeout
    else:
        timeout = interval if g.scrape_timeout > interval else g.scrape_timeout

    def pick(own: int | None, inherited: int) -> int:
        return own if own else inherited

    return dataclasses.replace(
        sc,
        scrape_interval=interval,
        scrape_timeout=timeout,
        scrape_protocols=sc.scrape_protocols or g.scrape_protocols,
        body_size_limit=pick(sc.body_size_limit, g.body_size_limit),
        sample_limit=pick(sc.sample_limit, g.sample_limit),
        label_limit=pick(sc.label_limit, g.label_limit),
        label_name_length_limit=pick(sc.label_name_length_limit, g.label_name_length_limit),
        label_value_length_limit=pick(sc.label_value_length_limit, g.label_value_length_limit),
        target_limit=pick(sc.target_limit, g.target_limit),
        keep_dropped_targets=pick(sc.keep_dropped_targets, g.keep_dropped_targets),
        metric_name_validation_scheme=sc.metric_name_validation_scheme
        or g.metric_name_validation_scheme,
    )


def _legacy_relabel(sc: ScrapeConfig, path: Path_, ctx: _Context) -> ScrapeConfig:
    """Under ``metric_name_validation_scheme: legacy``, relabel targets must be legacy names."""
    if sc.metric_name_validation_scheme != "legacy":
        return sc
    out: dict[str, tuple[RelabelConfig, ...]] = {}
    for key in ("relabel_configs", "metric_relabel_configs"):
        rules = []
        for j, rule in enumerate(getattr(sc, key)):
            try:
                rules.append(dataclasses.replace(rule, utf8_names=False))
            except RelabelConfigError as exc:
                raise ctx.error(str(exc), (*path, key, j, exc.field)) from None
        out[key] = tuple(rules)
    return dataclasses.replace(sc, **out)  # type: ignore[arg-type]


def load_string(text: str, source: str = "") -> Config:
    """Parse, default and validate a prometheus.yml given as text."""
    data, lines = parse_yaml(text, source)
    ctx = _Context(lines, source)
    if data is not None and not isinstance(data, Mapping):
        raise ctx.error("the configuration must be a mapping", ())
    data = dict(data or {})
    raw_global = data.get("global") or {}
    cfg = decode(Config, data, (), ctx)
    g = cfg.global_
    if (
        isinstance(raw_global, Mapping)
        and "scrape_timeout" not in raw_global
        and g.scrape_timeout > g.scrape_interval
    ):
        g = dataclasses.replace(g, scrape_timeout=g.scrape_interval)
    jobs = tuple(
        _legacy_relabel(_resolve_job(sc, g), ("scrape_configs", i), ctx)
        for i, sc in enumerate(cfg.scrape_configs)
    )
    cfg = dataclasses.replace(cfg, global_=g, scrape_configs=jobs, source=source)
    for message, path in validate(cfg):
        raise ctx.error(message, path)
    return cfg


def load_file(path: str | Path) -> Config:
    """Load one prometheus.yml and the ``scrape_config_files`` it names.

    Errors name the file (the main one or an included one), line and field.
    """
    p = Path(path)
    cfg = load_string(_read(p), source=str(p))
    if not cfg.scrape_config_files:
        return cfg
    jobs = list(cfg.scrape_configs)
    first_seen = {sc.job_name: str(p) for sc in jobs}
    for pattern in cfg.scrape_config_files:
        full = pattern if Path(pattern).is_absolute() else str(p.parent / pattern)
        for name in sorted(glob.glob(full)):
            for sc in _load_scrape_file(Path(name), cfg.global_):
                if sc.job_name in first_seen:
                    raise ConfigError(
                        f"found multiple scrape configs with job name {sc.job_name!r}, "
                        f"first found in {first_seen[sc.job_name]}",
                        source=name,
                    )
                first_seen[sc.job_name] = name
                jobs.append(sc)
    return dataclasses.replace(cfg, scrape_configs=tuple(jobs))


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"reading config: {exc}", source=str(p)) from None


def _load_scrape_file(p: Path, g: GlobalConfig) -> list[ScrapeConfig]:
    """A scrape config file holds only ``scrape_configs:``; jobs inherit the main global."""
    data, lines = parse_yaml(_read(p), str(p))
    ctx = _Context(lines, str(p))
    if data is None:
        return []
    if not isinstance(data, Mapping) or set(data) - {"scrape_configs"}:
        raise ctx.error("a scrape config file may only hold scrape_configs", ())
    raw = data.get("scrape_configs") or []
    decoded = _convert(ListOf(ScrapeConfig), raw, ("scrape_configs",), ctx)
    jobs = [_resolve_job(sc, g) for sc in decoded]
    probe = Config(global_=g, scrape_configs=tuple(jobs))
    for message, path in validate(probe):
        raise ctx.error(message, path)
    return jobs
