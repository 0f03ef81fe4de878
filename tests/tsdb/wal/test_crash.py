"""Every batch acknowledged by ``log_samples`` survives SIGKILL of the writing process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from argus.model import STALE_NAN_BITS
from argus.tsdb.wal import replay

N = 500
WRITER = textwrap.dedent(
    f"""
    import sys
    from pathlib import Path
    import numpy as np
    from argus.model import Labels, STALE_NAN
    from argus.tsdb.wal import WAL

    wal = WAL(Path(sys.argv[1]), segment_size=256 * 1024)
    refs = np.arange({N}, dtype=np.int64)
    wal.log_series(refs, [Labels.of(__name__="m", i=str(i)) for i in range({N})])
    b = 0
    while True:
        values = b + refs / 1000.0
        values[0] = STALE_NAN
        wal.log_samples(refs, np.full({N}, b * 1000, dtype=np.int64), values)
        print(b, flush=True)
        b += 1
    """
)


def test_every_acknowledged_batch_survives_sigkill(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    acked = -1
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and acked < 400:
            line = proc.stdout.readline()
            if not line:
                break
            acked = int(line)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert acked >= 400, "the writer did not get far enough"
    got = replay(tmp_path)
    assert len(got.series_labels) == N
    assert got.segments_read > 1  # rotation happened mid-stream
    n_batches = len(got.refs) // N
    assert n_batches >= acked + 1
    refs = np.arange(N)
    for b in range(acked + 1):
        sl = slice(b * N, (b + 1) * N)
        assert got.refs[sl].tolist() == refs.tolist()
        assert (got.ts[sl] == b * 1000).all()
        expected = b + refs / 1000.0
        bits = got.values[sl].view(np.uint64)
        assert bits[0] == STALE_NAN_BITS
        assert (bits[1:] == expected[1:].view(np.uint64)).all()
