"""/federate: newest sample per series, text format, grouped by metric name."""

from __future__ import annotations

import math

import numpy as np

from argus.model import STALE_NAN, Labels, now_ms
from argus.web import Sources
from argus.web.federate import format_federation
from tests.conftest import append


def test_federate_latest_samples(tmp_db, make_server) -> None:
    now = now_ms()
    a = Labels.of(__name__="up", job="api", path='a"b\\c')
    b = Labels.of(__name__="bytes", job="node")
    gone = Labels.of(__name__="up", job="gone")
    old = Labels.of(__name__="up", job="old")
    append(
        tmp_db,
        [a, a, b, gone, gone, old],
        np.array(
            [now - 30_000, now - 15_000, now - 1000, now - 20_000, now - 5000, now - 3_600_000]
        ),
        [0.0, 1.0, 1234567.0, 1.0, STALE_NAN, 1.0],
    )
    server = make_server(Sources(queryable=tmp_db))
    r = server.get("/federate", [("match[]", "up"), ("match[]", "bytes")])
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert r.text == (
        "# TYPE bytes untyped\n"
        f'bytes{{job="node"}} 1.234567e+06 {now - 1000}\n'
        "# TYPE up untyped\n"
        f'up{{job="api",path="a\\"b\\\\c"}} 1 {now - 15_000}\n'
    )
    bad = server.get("/federate", {"match[]": "up +"})
    assert bad.status == 400


def test_format_federation_special_values() -> None:
    text = format_federation(
        [(Labels.of(__name__="x"), 5, math.inf), (Labels.of(__name__="y", a="1"), 6, 1e-7)]
    )
    assert text == '# TYPE x untyped\nx +Inf 5\n# TYPE y untyped\ny{a="1"} 1e-07 6\n'
