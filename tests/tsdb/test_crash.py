"""Acknowledged samples survive SIGKILL of the writing process (real child process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from argus.model import Labels, Matcher
from argus.tsdb import DB, DBOptions

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from argus.model import Labels, STALE_NAN
    from argus.tsdb import DB, DBOptions

    db = DB.open(sys.argv[1], DBOptions(seal_samples=5000))
    series = [Labels.of(__name__="m", i=str(i)) for i in range(100)]
    batch = 0
    while True:
        app = db.appender()
        refs = app.series_refs(series)
        vals = np.full(100, float(batch))
        vals[0] = STALE_NAN if batch % 2 else vals[0]
        app.append(refs, np.full(100, batch * 1000, dtype=np.int64), vals)
        res = app.commit()
        assert res.accepted == 100, res
        print(batch, flush=True)
        if batch % 50 == 0:
            db.maintain()
        batch += 1
    """
)


def test_every_acknowledged_batch_survives_sigkill(tmp_path):
    path = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    acked = -1
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked = int(line)
        if acked >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert acked >= 300, "the writer did not get far enough"
    db = DB.open(path, DBOptions())
    try:
        got = db.querier(0, 10**9).select([Matcher.equal("__name__", "m")])
        assert len(got) == 100
        for lset, ts, vals in got:
            assert ts.tolist()[: acked + 1] == [b * 1000 for b in range(acked + 1)], lset
            if lset == Labels.of(__name__="m", i="0"):
                bits = vals.view(np.uint64)[: acked + 1]
                assert (bits[1::2] == 0x7FF0000000000002).all()
            else:
                assert vals[: acked + 1].tolist() == [float(b) for b in range(acked + 1)]
    finally:
        db.close()
