from __future__ import annotations

import pytest

from argus.config import ScrapeConfig, load_string
from argus.model import Labels
from argus.model.relabel import RelabelConfig
from argus.scrape import Target, TargetError, mutate_sample_labels, populate_labels


def job(yaml: str = "") -> ScrapeConfig:
    return load_string(f"scrape_configs:\n  - job_name: j\n{yaml}").scrape_configs[0]


def test_defaults_relabel_and_instance():
    cfg = job(
        "    scrape_interval: 30s\n"
        "    params: {module: [a, b]}\n"
        "    relabel_configs:\n"
        "      - source_labels: [__meta_x]\n        target_label: from_meta\n"
    )
    labels, discovered = populate_labels(
        Labels.of(env="p"), Labels.of(__address__="h:1", __meta_x="m"), cfg
    )
    assert labels is not None
    assert labels.as_dict() == {
        "__address__": "h:1",
        "__metrics_path__": "/metrics",
        "__param_module": "a",
        "__scheme__": "http",
        "__scrape_interval__": "30s",
        "__scrape_timeout__": "10s",
        "env": "p",
        "from_meta": "m",
        "instance": "h:1",
        "job": "j",
    }
    assert discovered.get("__meta_x") == "m"
    target = Target(labels, discovered, cfg)
    assert target.url == "http://h:1/metrics?module=a&module=b"
    assert target.sample_labels == Labels.of(env="p", from_meta="m", instance="h:1", job="j")
    assert (target.interval_ms, target.timeout_ms) == (30_000, 10_000)
    assert 0 <= target.offset_ms(30_000) < 30_000
    assert target.offset_ms(30_000) == target.offset_ms(30_000)


def test_relabelling_can_set_scheme_path_and_params():
    cfg = job(
        "    relabel_configs:\n"
        "      - {target_label: __scheme__, replacement: https}\n"
        "      - {target_label: __metrics_path__, replacement: /probe}\n"
        "      - {source_labels: [__address__], target_label: __param_target}\n"
        "      - {target_label: __address__, replacement: 'exporter:9115'}\n"
    )
    labels, _ = populate_labels(Labels(), Labels.of(__address__="example.com"), cfg)
    assert labels is not None
    assert Target(labels, labels, cfg).url == "https://exporter:9115/probe?target=example.com"
    assert labels.get("instance") == "exporter:9115"


@pytest.mark.parametrize(
    ("yaml", "target", "error"),
    [
        ("", Labels(), "no address"),
        ("", Labels.of(__address__="http://h:1"), "not a valid hostname"),
        (
            "    relabel_configs: [{target_label: __scrape_timeout__, replacement: 2m}]\n",
            Labels.of(__address__="h:1"),
            "scrape timeout cannot be greater than scrape interval",
        ),
        (
            "    relabel_configs: [{target_label: __scrape_interval__, replacement: 0}]\n",
            Labels.of(__address__="h:1"),
            "scrape interval cannot be 0",
        ),
    ],
)
def test_unusable_targets(yaml, target, error):
    with pytest.raises(TargetError, match=error):
        populate_labels(Labels(), target, job(yaml))


def test_dropped_by_relabelling():
    cfg = job(
        "    relabel_configs: [{source_labels: [__address__], regex: 'h:.*', action: drop}]\n"
    )
    labels, discovered = populate_labels(Labels(), Labels.of(__address__="h:1"), cfg)
    assert labels is None and discovered.get("__address__") == "h:1"


def test_exported_prefix_repeats_until_free():
    scraped = Labels.of(__name__="m", job="a", exported_job="b")
    got = mutate_sample_labels(scraped, Labels.of(job="t"), honor_labels=False, rules=())
    # The scraped exported_job is kept; the scraped job moves one prefix further.
    assert got == Labels.of(__name__="m", job="t", exported_job="b", exported_exported_job="a")


def test_exported_prefix_follows_prometheus_order():
    # Prometheus resolves conflicts shortest name first; "exported_job" of the target
    # set is free here, so the scraped job moves there.
    scraped = Labels.of(__name__="m", job="a")
    got = mutate_sample_labels(scraped, Labels.of(job="t"), honor_labels=False, rules=())
    assert got == Labels.of(__name__="m", job="t", exported_job="a")


def test_metric_relabel_drop():
    rule = RelabelConfig.from_dict({"source_labels": ["__name__"], "regex": "m", "action": "drop"})
    assert (
        mutate_sample_labels(Labels.of(__name__="m"), Labels(), honor_labels=True, rules=[rule])
        is None
    )
