from __future__ import annotations

import asyncio
import json
import os

import pytest

from argus.config import FileSDConfig, StaticConfig
from argus.discovery import (
    Discoverer,
    FileDiscoverer,
    FileSDError,
    GroupSet,
    StaticDiscoverer,
    TargetGroup,
    parse_file,
)
from argus.model import Labels


def test_static_groups_sent_once():
    disc = StaticDiscoverer(
        [StaticConfig(("a:1", "b:2"), Labels.of(env="x")), StaticConfig(("c:3",))]
    )
    assert isinstance(disc, Discoverer)
    queue: asyncio.Queue[list[TargetGroup]] = asyncio.Queue()
    asyncio.run(disc.run(queue))
    groups = queue.get_nowait()
    assert [g.source for g in groups] == ["0", "1"]
    assert groups[0].targets == (Labels.of(__address__="a:1"), Labels.of(__address__="b:2"))
    assert groups[0].labels == Labels.of(env="x")


def test_parse_yaml_and_json(tmp_path):
    groups = parse_file("t.yml", "- targets: ['a:1']\n  labels: {env: prod}\n- targets: ['b:2']\n")
    assert [g.source for g in groups] == ["t.yml:0", "t.yml:1"]
    assert groups[0].labels == Labels.of(env="prod", __meta_filepath="t.yml")
    (js,) = parse_file("t.json", json.dumps([{"targets": ["c:3"]}]))
    assert js.targets == (Labels.of(__address__="c:3"),)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{targets: [a]}", "expected a list"),
        ("- targets: [a]\n  lables: {}\n", "field lables not found"),
        ("- targets: a:1\n", "targets must be a list"),
        ("- [", "t.yml"),
    ],
)
def test_bad_files(text, error):
    with pytest.raises(FileSDError, match=error):
        parse_file("t.yml", text)


def test_refresh_tracks_changes_deletions_and_keeps_last_good(tmp_path):
    (tmp_path / "a.yml").write_text("- targets: ['a:1', 'a:2']\n- targets: ['x:1']\n")
    disc = FileDiscoverer(FileSDConfig(files=("*.yml",)), tmp_path)
    current = GroupSet()
    current.update(disc.refresh(force=True))
    assert len(current.groups()) == 2
    assert disc.refresh() == []  # nothing changed

    path = tmp_path / "a.yml"
    path.write_text("- targets: ['a:1']\n")
    os.utime(path, (1, 1))  # make sure the stamp differs from the first write
    current.update(disc.refresh())
    assert [[t.get("__address__") for t in g.targets] for g in current.groups()] == [["a:1"]]

    path.write_text("- targets: [")
    os.utime(path, (2, 2))
    current.update(disc.refresh())
    assert disc.read_errors == 1
    assert len(current.groups()) == 1  # last good kept

    path.unlink()
    current.update(disc.refresh())
    assert current.groups() == []


def test_run_sends_initial_state_then_changes(tmp_path):
    async def main() -> None:
        (tmp_path / "t.json").write_text(json.dumps([{"targets": ["a:1"]}]))
        disc = FileDiscoverer(FileSDConfig(files=("*.json",)), tmp_path, poll_interval=0.01)
        queue: asyncio.Queue[list[TargetGroup]] = asyncio.Queue()
        task = asyncio.create_task(disc.run(queue))
        first = await asyncio.wait_for(queue.get(), 2)
        assert first[0].targets == (Labels.of(__address__="a:1"),)
        (tmp_path / "t.json").write_text(json.dumps([{"targets": ["b:2", "c:3"]}]))
        os.utime(tmp_path / "t.json", (5, 5))
        second = await asyncio.wait_for(queue.get(), 2)
        assert len(second[0].targets) == 2
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
