"""Chain matching and residue mapping by sequence, as CAMEO does (SEQRES for mmCIF references)."""

import numpy as np
import pytest
import biotite.structure as struc
import biotite.structure.io.pdbx as pdbx

from conftest import fixture, load_atoms, write_atoms
from openfold_argo_evaluate import evaluate
from openfold_argo_evaluate.structure import StructureError

COMPLEX = fixture("2gtl_AD.cif")


def _cif_without(tmp_path, chain, first, last):
    """2GTL A/D with residues first..last (label_seq_id) of one chain removed from the coordinates only."""
    cif = pdbx.CIFFile.read(COMPLEX)
    site = cif.block["atom_site"]
    seq = site["label_seq_id"].as_array(str)
    asym = site["label_asym_id"].as_array(str)
    numbers = np.array([int(s) if s.isdigit() else -1 for s in seq])
    keep = ~((asym == chain) & (numbers >= first) & (numbers <= last))
    cif.block["atom_site"] = pdbx.CIFCategory({n: pdbx.CIFColumn(pdbx.CIFData(site[n].as_array(str)[keep])) for n in site.keys()})
    path = tmp_path / "gapped.cif"
    cif.write(str(path))
    return str(path)


def test_reference_with_unobserved_residues_maps_through_seqres(tmp_path):
    reference = _cif_without(tmp_path, "A", 40, 49)
    r = evaluate(COMPLEX, reference)
    chain_a = next(c for c in r["chains"] if c["reference"] == "A")
    assert chain_a["reference_seqres"] and chain_a["reference_residues"] == 137 and chain_a["aligned"] == 137
    # a shifted mapping would misplace residues around the gap; the right one reproduces every distance
    assert r["lddt"] == 1.0 and r["lddt_ca"] == 1.0 and r["tm_score"] == 1.0


def test_model_missing_residues_is_penalised_over_the_reference(tmp_path):
    atoms = load_atoms(fixture("5eep_A.pdb"))
    last = sorted(set(atoms.res_id.tolist()))[-20:]
    model = write_atoms(atoms[~np.isin(atoms.res_id, last)], tmp_path / "truncated.pdb")
    r = evaluate(model, fixture("5eep_A.pdb"))
    assert r["aligned_residues"] == 120 and r["reference_residues"] == 140
    assert r["gdt_ts"] == pytest.approx(120 / 140, abs=1e-4)
    assert r["lddt_ca"] < 0.9
    missing = [p for p in r["per_residue"] if p["number"] in last]
    assert len(missing) == 20 and all(p["lddt_ca"] == 0.0 for p in missing)


def test_complex_chains_are_matched_by_sequence_not_by_name(tmp_path):
    cif = pdbx.CIFFile.read(COMPLEX)
    atoms = pdbx.get_structure(cif, model=1)
    renamed = atoms.copy()
    renamed.chain_id = np.where(atoms.chain_id == "A", "Y", "X")
    order = np.argsort(renamed.chain_id == "Y", kind="stable")  # X (was D) first
    model = write_atoms(renamed[order], tmp_path / "renamed.pdb")
    r = evaluate(model, COMPLEX)
    assert {c["reference"]: c["model"] for c in r["chains"]} == {"A": "Y", "D": "X"}
    assert r["lddt"] == 1.0 and r["dockq"][0]["model_chains"] == ["Y", "X"]
    assert r["dockq"][0]["dockq"] == pytest.approx(1.0, abs=1e-9)


def test_identical_chains_take_the_assignment_that_fits(tmp_path):
    one = load_atoms(fixture("5eep_A.pdb"))
    two = one.copy()
    two.chain_id[:] = "B"
    two.coord = two.coord + np.array([0.0, 45.0, 0.0])
    reference = write_atoms(struc.concatenate([one, two]), tmp_path / "dimer.pdb")
    swapped_a, swapped_b = two.copy(), one.copy()
    swapped_a.chain_id[:] = "A"
    swapped_b.chain_id[:] = "B"
    model = write_atoms(struc.concatenate([swapped_a, swapped_b]), tmp_path / "swapped.pdb")
    r = evaluate(model, reference)
    assert {c["reference"]: c["model"] for c in r["chains"]} == {"A": "B", "B": "A"}
    assert r["lddt"] == 1.0 and r["tm_score"] == 1.0


def test_reference_chain_selection_and_a_point_mutation():
    r = evaluate(fixture("1ni7_model1.pdb"), fixture("5eep_A.pdb"), ["A"])
    assert r["chains"][0]["identity"] == pytest.approx(139 / 140, abs=1e-4)
    assert r["aligned_residues"] == 140


def test_unrelated_sequence_is_refused():
    with pytest.raises(StructureError, match="no chain of .* matches its sequence"):
        evaluate(fixture("6KWC_1_model_1_ptm_unrelaxed.pdb"), fixture("5eep_A.pdb"))


def test_unknown_reference_chain_is_named():
    with pytest.raises(StructureError, match=r"no protein chain 'Q' \(chains: A\)"):
        evaluate(fixture("5eep_A.pdb"), fixture("5eep_A.pdb"), ["Q"])
