"""Identical structures score 1.0 in every measure, also after a rigid-body move of the whole model."""

import numpy as np
import pytest

from conftest import fixture, load_atoms, rotation, write_atoms
from openfold_argo_evaluate import evaluate


@pytest.mark.parametrize(
    "name",
    ["5eep_A.pdb", "1ni7_model1.pdb", "6KWC_1_model_1_ptm_unrelaxed.pdb", "2gtl_AD.cif"],
)
def test_identical_structures_score_one(name):
    r = evaluate(fixture(name), fixture(name))
    assert r["lddt"] == 1.0 and r["lddt_ca"] == 1.0
    assert r["tm_score"] == 1.0 and r["gdt_ts"] == 1.0 and r["gdt_ha"] == 1.0
    assert r["rmsd_ca"] < 1e-3
    assert all(p["lddt"] == 1.0 for p in r["per_residue"] if p["lddt"] is not None)
    assert r["aligned_residues"] == r["reference_residues"]


def test_rigid_body_move_of_the_model_changes_nothing(tmp_path):
    atoms = load_atoms(fixture("5eep_A.pdb"))
    atoms.coord = atoms.coord @ rotation(0.7, -1.1, 2.3).T + np.array([31.0, -12.5, 7.25])
    r = evaluate(write_atoms(atoms, tmp_path / "moved.pdb"), fixture("5eep_A.pdb"))
    assert r["lddt"] == pytest.approx(1.0, abs=1e-6) and r["lddt_ca"] == pytest.approx(1.0, abs=1e-6)
    assert r["tm_score"] == 1.0 and r["gdt_ts"] == 1.0
    assert r["rmsd_ca"] < 1e-3


def test_identical_complex_has_dockq_one_per_interface():
    r = evaluate(fixture("2gtl_AD.cif"), fixture("2gtl_AD.cif"))
    assert [(d["reference_chains"], d["model_chains"]) for d in r["dockq"]] == [(["A", "D"], ["A", "D"])]
    assert r["dockq"][0]["dockq"] == pytest.approx(1.0, abs=1e-9)
    assert r["dockq"][0]["fnat"] == 1.0
