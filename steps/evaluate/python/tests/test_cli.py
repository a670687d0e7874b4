"""The module's command line: JSON on stdout, one-line errors, per-target lines in batch mode."""

import json
import subprocess
import sys

from conftest import HERE, fixture


def run(*args):
    return subprocess.run([sys.executable, "-m", "openfold_argo_evaluate", *args], capture_output=True, text=True, cwd=HERE.parent)


def test_pair_prints_the_scores():
    p = run("pair", "--model", fixture("5eep_A.pdb"), "--reference", fixture("5eep_A.pdb"))
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert {"lddt_ca", "lddt", "tm_score", "gdt_ts", "rmsd_ca", "dockq", "per_residue"} <= set(r)


def test_pair_with_a_missing_file_says_which():
    p = run("pair", "--model", "/nonexistent/model.pdb", "--reference", fixture("5eep_A.pdb"))
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == "/nonexistent/model.pdb: no such file"


def test_batch_goes_on_after_a_broken_target(tmp_path):
    broken = tmp_path / "broken.pdb"
    broken.write_text("this is not a structure\n")
    jobs = tmp_path / "jobs.json"
    jobs.write_text(
        json.dumps(
            [
                {"id": "bad", "model": str(broken), "reference": fixture("5eep_A.pdb")},
                {"id": "good", "model": fixture("1ni7_model1.pdb"), "reference": fixture("5eep_A.pdb"), "reference_chains": ["A"]},
            ]
        )
    )
    p = run("batch", str(jobs))
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert lines[0]["id"] == "bad" and "broken.pdb" in lines[0]["error"]
    assert lines[1]["id"] == "good" and lines[1]["result"]["lddt_ca"] > 0.7


def test_seqres_of_an_mmcif_is_the_entity_sequence(tmp_path):
    p = run("seqres", fixture("2gtl_AD.cif"))
    assert p.returncode == 0, p.stderr
    chains = json.loads(p.stdout)
    assert sorted(chains) == ["A", "D"]
    # SEQRES (151) is longer than the 147 residues with coordinates
    assert len(chains["A"]) == 151 and chains["A"].startswith("ADDEDCC")
