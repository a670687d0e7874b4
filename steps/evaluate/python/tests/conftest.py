"""Shared helpers of the evaluate step's tests: fixture paths, perturbed copies, the OpenStructure cross-check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import biotite.structure as struc
import biotite.structure.io.pdb as pdb

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[3] / "test" / "fixtures" / "structures"
OST_PYTHON = os.environ.get("OPENFOLD_ARGO_OST_PYTHON", "/usr/bin/python3")

sys.path.insert(0, str(HERE.parent))


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def load_atoms(path: str) -> struc.AtomArray:
    return pdb.PDBFile.read(path).get_structure(model=1)


def write_atoms(atoms: struc.AtomArray, path: Path) -> str:
    f = pdb.PDBFile()
    f.set_structure(atoms)
    f.write(str(path))
    return str(path)


def rotation(ax: float, ay: float, az: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def ost_available() -> bool:
    if not shutil.which(OST_PYTHON) and not Path(OST_PYTHON).is_file():
        return False
    return subprocess.run([OST_PYTHON, "-c", "import ost"], capture_output=True).returncode == 0


def require_ost() -> None:
    if ost_available():
        return
    message = "OpenStructure (Debian python3-ost) is missing: apt-get install python3-ost"
    if os.environ.get("CI") == "true":
        pytest.fail(message)  # CI installs everything: nothing is skipped there
    pytest.skip(message)


def ost_scores(model: str, reference: str) -> dict:
    require_ost()
    run = subprocess.run([OST_PYTHON, str(HERE / "ost_crosscheck.py"), model, reference], capture_output=True, text=True, check=True)
    return json.loads(run.stdout)
