"""Real structures against real references.

- 5EEP (E. coli CsdE, X-ray) as the reference and 1NI7 (YgdK, the same protein bar one residue, NMR model 1)
  as the model: two independent depositions, scored by both implementations.
- OpenFold's own 6KWC prediction (model_1_ptm): the relaxed model against the unrelaxed one.
- The 2GTL A/D interface with chain D translated 2 A: DockQ's LRMSD is the translation.
"""

import numpy as np
import pytest
import biotite.structure.io.pdbx as pdbx

from conftest import fixture, ost_scores, write_atoms
from openfold_argo_evaluate import evaluate

# Values measured with biotite 1.6.0 + TMscore 2019/08/22 (steps/evaluate/README.md).
NMR_VS_XRAY = {"lddt_ca": 0.7869, "lddt": 0.7200, "tm_score": 0.8987, "gdt_ts": 0.8321, "rmsd_ca": 1.616}


def test_nmr_model_against_the_crystal_structure():
    model, reference = fixture("1ni7_model1.pdb"), fixture("5eep_A.pdb")
    r = evaluate(model, reference)
    for key, value in NMR_VS_XRAY.items():
        assert r[key] == pytest.approx(value, abs=1e-3), key
    theirs = ost_scores(model, reference)
    assert r["lddt_ca"] == pytest.approx(theirs["lddt_ca"], abs=1e-5)
    assert r["lddt"] == pytest.approx(theirs["lddt"], abs=1e-3)  # symmetric side chains: see test_perturbation
    assert r["rmsd_ca"] == pytest.approx(theirs["rmsd_ca"], abs=1e-3)


def test_two_nmr_models_both_implementations():
    model, reference = fixture("1ni7_model2.pdb"), fixture("1ni7_model1.pdb")
    r, theirs = evaluate(model, reference), ost_scores(model, reference)
    assert r["lddt_ca"] == pytest.approx(theirs["lddt_ca"], abs=1e-5)
    assert r["lddt"] == pytest.approx(theirs["lddt"], abs=1e-3)  # symmetric side chains: see test_perturbation
    assert r["rmsd_ca"] == pytest.approx(theirs["rmsd_ca"], abs=1e-3)


def test_openfold_relaxed_against_unrelaxed_prediction():
    r = evaluate(fixture("6KWC_1_model_1_ptm_relaxed.noH.pdb"), fixture("6KWC_1_model_1_ptm_unrelaxed.pdb"))
    assert r["aligned_residues"] == 191
    assert r["lddt_ca"] == 1.0 and r["lddt"] > 0.99 and r["rmsd_ca"] < 0.2 and r["tm_score"] > 0.999


def test_complex_interface_translation_gives_its_lrmsd(tmp_path):
    atoms = pdbx.get_structure(pdbx.CIFFile.read(fixture("2gtl_AD.cif")), model=1)
    atoms.coord[atoms.chain_id == "D"] += np.array([2.0, 0.0, 0.0])
    model = write_atoms(atoms, tmp_path / "shifted.pdb")
    r = evaluate(model, fixture("2gtl_AD.cif"))
    (iface,) = r["dockq"]
    assert iface["lrmsd"] == pytest.approx(2.0, abs=1e-3)  # the smaller chain moved 2 A off the larger one
    expected = (iface["fnat"] + 1 / (1 + (iface["irmsd"] / 1.5) ** 2) + 1 / (1 + (iface["lrmsd"] / 8.5) ** 2)) / 3
    assert iface["dockq"] == pytest.approx(expected, abs=1e-9)
    assert 0.2 < iface["dockq"] < 1.0 and r["lddt_ca"] < 1.0
