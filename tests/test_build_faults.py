"""The build is one atomic generation: killed or out of disk at any point, readers see the old
generation whole (or the new one whole, once it was switched in), and the next build succeeds.

Each kill runs the build in a child process that SIGKILLs itself at one point of one phase (a
function of the build wrapped to kill first); each full disk raises ENOSPC at the same points in
process. After each fault, the manifest, the store's fingerprint and the store's contents must
describe one and the same generation.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from minidata import mini, write_dataset

import kg.build as build_stage
from kg.build import GRAPH_DIR, MANIFEST, BuildBusy, build
from kg.store import EmbeddedStore

REPO = Path(__file__).resolve().parent.parent
DEALS = "PREFIX aikg: <https://w3id.org/aikg/ontology#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a aikg:Deal }"

# (module attribute to wrap, what is happening when the fault strikes)
POINTS = [
    ("kg.rdf.triples.GraphBuilder.emit", "converting the first record"),
    ("kg.rdf.triples.TripleWriter.flush", "after the triples are written"),
    ("kg.build._serialise", "writing Turtle"),
    ("kg.projection.tables.save", "writing the projection's tables"),
    ("kg.store.streaming._Loader.feed", "before the store's loader reads"),
    ("kg.store.embedded.EmbeddedStore.load_into", "the triples streamed in, before the ontology and flush"),
    ("kg.store.embedded.EmbeddedStore.stamp", "the store closed, before its fingerprint"),
    ("kg.build._write_manifest", "after the store, before the manifest"),
    ("kg.build.os.replace", "renaming the finished generation"),
    ("kg.build._point", "switching the current generation"),
    ("kg.build._links", "after the switch"),
    ("kg.build._prune", "pruning old generations"),
]
SWITCHED = {"kg.build._links", "kg.build._prune"}  # faults after the switch: the new generation is whole


def _second_data(root: Path) -> Path:
    data = mini()
    data["entities"]["orgs.yaml"].append({"id": "delta-labs", "name": "Delta Labs", "types": ["ai_lab"]})
    deal = dict(data["deals"]["deals.yaml"][1], id="alpha-beta-compute-2")
    data["deals"]["deals.yaml"].append(deal)
    return write_dataset(root, data)


def _seen(out: Path) -> tuple[str, int, int]:
    """What a reader sees: (fingerprint, deals in the manifest, deals in the store); fails on a mix."""
    manifest = json.loads((out / GRAPH_DIR / MANIFEST).read_text(encoding="utf-8"))
    store = EmbeddedStore(out / "store")
    assert EmbeddedStore.is_current(out / "store", manifest["fingerprint"]), "manifest and store disagree"
    deals = int(store.query(DEALS).rows[0][0])
    store.close()
    return manifest["fingerprint"], manifest["deals"], deals


_DRIVER = textwrap.dedent("""
    import importlib, os, signal, sys
    from pathlib import Path
    target, data, out = sys.argv[1:4]
    module_name, _, attr = target.rpartition(".")
    try:
        owner = importlib.import_module(module_name)
    except ModuleNotFoundError:  # a class attribute: module.Class.method
        module_name, _, cls = module_name.rpartition(".")
        owner = getattr(importlib.import_module(module_name), cls)
    real = getattr(owner, attr)
    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(owner, attr, killed)
    import kg.build
    kg.build.build(Path(data), Path(out), formats=("ttl",))
""")


@pytest.mark.parametrize(("point", "phase"), POINTS, ids=[p for p, _ in POINTS])
def test_a_kill_at_any_point_leaves_one_whole_generation(tmp_path: Path, point: str, phase: str) -> None:
    first = write_dataset(tmp_path / "one")
    out = tmp_path / "out"
    build(first, out, formats=("ttl",))
    before = _seen(out)
    second = _second_data(tmp_path / "two")
    child = subprocess.run([sys.executable, "-c", _DRIVER, point, str(second), str(out)], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    seen = _seen(out)
    if point in SWITCHED:
        assert seen[1:] == (before[1] + 1, before[2] + 1), phase
    else:
        assert seen == before, phase
    again = build(second, out, formats=("ttl",))  # the next build succeeds and clears what the kill left
    assert not list((out / ".generations").glob("*.partial"))
    assert _seen(out)[1] == before[1] + 1 and again.deals == before[1] + 1
    assert len([p for p in (out / ".generations").iterdir() if p.is_dir()]) <= 2


@pytest.mark.parametrize(("point", "phase"), [p for p in POINTS if p[0] not in SWITCHED],
                         ids=[p for p, _ in POINTS if p not in SWITCHED])
def test_a_full_disk_at_any_point_leaves_the_old_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             point: str, phase: str) -> None:
    first = write_dataset(tmp_path / "one")
    out = tmp_path / "out"
    build(first, out, formats=("ttl",))
    before = _seen(out)

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    monkeypatch.setattr(point, full)
    with pytest.raises(OSError) as raised:
        build(_second_data(tmp_path / "two"), out, formats=("ttl",))
    assert raised.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert _seen(out) == before, phase
    assert not list((out / ".generations").glob("*.partial"))  # the failed generation is removed at once


def test_a_second_build_into_the_same_out_is_refused(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    build(data, out)
    with open(out / build_stage.LOCK, "a+") as held:  # another builder holds the lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildBusy, match="another build is writing into"):
            build(_second_data(tmp_path / "two"), out)
    assert build(_second_data(tmp_path / "two"), out).store_rebuilt  # free again


def test_stale_staging_of_older_versions_is_removed_and_reported(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    stale = tmp_path / ".out-staging-abc123"
    stale.mkdir()
    (stale / "aikg.nt").write_text("junk")
    result = build(data, out)
    assert not stale.exists() and result.removed == (".out-staging-abc123",)
    assert os.path.islink(out / "current") and os.path.islink(out / "store")
