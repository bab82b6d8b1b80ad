"""Stage bookkeeping for ``infoflow run``: skip a stage whose inputs and options have not changed.

Each stage records a fingerprint (its options plus the size and modification time of every input
file) in ``RUN_DIR/stages.json``. A re-run recomputes a stage only when its fingerprint differs or
one of its outputs is missing, so an interrupted run picks up at the first unfinished stage.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from infoflow._io import atomic_write_json

STAGES_FILE = "stages.json"


def _file_signature(path: Path) -> list[Any]:
    """Size and mtime of a file, or of every file below a directory (a zarr store)."""
    if not path.exists():
        return [str(path), "missing"]
    if path.is_file():
        st = path.stat()
        return [str(path), st.st_size, st.st_mtime_ns]
    entries = []
    for root, _, files in sorted(os.walk(path)):
        for f in sorted(files):
            st = (Path(root) / f).stat()
            entries.append([str(Path(root, f).relative_to(path)), st.st_size, st.st_mtime_ns])
    return [str(path), entries]


def fingerprint(options: dict[str, Any], inputs: Iterable[Path]) -> str:
    payload = json.dumps({"options": options, "inputs": [_file_signature(Path(p)) for p in inputs]},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def run_stage(run_dir: Path, name: str, *, options: dict[str, Any], inputs: Iterable[Path],
              outputs: Iterable[Path], compute: Callable[[], Any]) -> bool:
    """Run `compute` unless the stage is up to date; return True when it ran."""
    run_dir = Path(run_dir)
    inputs, outputs = list(inputs), list(outputs)
    state_path = run_dir / STAGES_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    fp = fingerprint(options, inputs)
    if state.get(name) == fp and all(Path(o).exists() for o in outputs):
        return False
    compute()
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    state[name] = fp
    atomic_write_json(state_path, state)
    return True
