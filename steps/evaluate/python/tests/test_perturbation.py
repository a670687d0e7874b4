"""Known perturbations of a deposited structure (5EEP chain A): the values follow from the definitions, and
the second implementations agree (OpenStructure's lDDT and superposition, tmtools' TM-align).

Far move: the 28 C-terminal residues (20 % of 140) are translated 200 A along x. Distances within each part
are kept and every distance across the parts changes by far more than 4 A, so
  lDDT = (reference pairs within 15 A inside one part) / (all reference pairs within 15 A),
  GDT-TS = 112 / 140 (the moved residues are > 8 A away under any superposition of the rest),
  TM-score = (112 + 28 / (1 + (200 / d0)^2)) / 140 with d0 = 1.24 (140 - 15)^(1/3) - 1.8.
"""

import numpy as np
import pytest
import tmtools

from conftest import fixture, load_atoms, ost_scores, write_atoms
from openfold_argo_evaluate import evaluate

REFERENCE = fixture("5eep_A.pdb")


def _moved_c_terminus(tmp_path, shift=200.0, count=28):
    atoms = load_atoms(REFERENCE)
    residue_ids = sorted(set(atoms.res_id.tolist()))
    moved = np.isin(atoms.res_id, residue_ids[-count:])
    atoms.coord[moved] += np.array([shift, 0.0, 0.0])
    return write_atoms(atoms, tmp_path / "moved.pdb"), atoms, moved


def _expected_lddt(atoms, moved, ca_only):
    keep = atoms.atom_name == "CA" if ca_only else atoms.element != "H"
    xyz, part, residue = atoms.coord[keep], moved[keep], atoms.res_id[keep]
    # reference distances (undo the move for the reference copy)
    ref = xyz - np.where(part[:, None], np.array([200.0, 0.0, 0.0]), 0.0)
    d = np.linalg.norm(ref[:, None] - ref[None], axis=-1)
    pairs = (d < 15.0) & (residue[:, None] != residue[None])
    same_part = part[:, None] == part[None]
    return (pairs & same_part).sum() / pairs.sum()


def test_far_move_gives_the_values_of_the_definitions(tmp_path):
    path, atoms, moved = _moved_c_terminus(tmp_path)
    r = evaluate(path, REFERENCE)
    d0 = 1.24 * (140 - 15) ** (1 / 3) - 1.8
    assert r["gdt_ts"] == pytest.approx(112 / 140, abs=1e-4)
    assert r["tm_score"] == pytest.approx((112 + 28 / (1 + (200 / d0) ** 2)) / 140, abs=1e-4)
    assert r["lddt_ca"] == pytest.approx(_expected_lddt(atoms, moved, ca_only=True), abs=1e-6)
    assert r["lddt"] == pytest.approx(_expected_lddt(atoms, moved, ca_only=False), abs=1e-6)
    moved_numbers = set(atoms.res_id[moved].tolist())
    far = [p for p in r["per_residue"] if p["number"] in moved_numbers]
    assert len(far) == 28 and all(p["lddt_ca"] < 1.0 for p in far)


def test_far_move_openstructure_agrees(tmp_path):
    path, _, _ = _moved_c_terminus(tmp_path)
    ours, theirs = evaluate(path, REFERENCE), ost_scores(path, REFERENCE)
    assert ours["lddt_ca"] == pytest.approx(theirs["lddt_ca"], abs=1e-5)
    assert ours["lddt"] == pytest.approx(theirs["lddt"], abs=1e-5)
    assert ours["rmsd_ca"] == pytest.approx(theirs["rmsd_ca"], abs=1e-3)


def _noisy(tmp_path, sigma, seed=17):
    atoms = load_atoms(REFERENCE)
    atoms.coord = atoms.coord + np.random.default_rng(seed).normal(0.0, sigma, atoms.coord.shape)
    return write_atoms(atoms, tmp_path / f"noise-{sigma}.pdb")


def _ca_and_sequence(result_path):
    atoms = load_atoms(result_path)
    ca = atoms[atoms.atom_name == "CA"]
    from openfold_argo_evaluate.structure import one_letter

    return ca.coord.astype(np.float64), "".join(one_letter(n) for n in ca.res_name)


@pytest.mark.parametrize("sigma", [0.5, 1.5])
def test_gaussian_noise_two_implementations_agree(tmp_path, sigma):
    path = _noisy(tmp_path, sigma)
    ours, theirs = evaluate(path, REFERENCE), ost_scores(path, REFERENCE)
    assert ours["lddt_ca"] < 1.0 and ours["lddt"] < 1.0
    assert ours["lddt_ca"] == pytest.approx(theirs["lddt_ca"], abs=1e-5)
    # Both rename symmetric side-chain atoms (Asp OD1/OD2, ...) where that preserves more distances; OpenStructure
    # decides residue by residue in sequence, we decide all residues at once: a difference below 1e-3 remains.
    assert ours["lddt"] == pytest.approx(theirs["lddt"], abs=1e-3)
    assert ours["rmsd_ca"] == pytest.approx(theirs["rmsd_ca"], abs=1e-3)
    per_residue = {p["number"]: p["lddt_ca"] for p in ours["per_residue"]}
    assert max(abs(per_residue[p["number"]] - p["lddt_ca"]) for p in theirs["per_residue_lddt_ca"]) < 1e-5
    # TM-score: TMscore (residue correspondence given) and TM-align (finds its own alignment, tmtools)
    model_xyz, model_seq = _ca_and_sequence(path)
    ref_xyz, ref_seq = _ca_and_sequence(REFERENCE)
    aligned = tmtools.tm_align(model_xyz, ref_xyz, model_seq, ref_seq)
    assert ours["tm_score"] == pytest.approx(aligned.tm_norm_chain2, abs=2e-3)
