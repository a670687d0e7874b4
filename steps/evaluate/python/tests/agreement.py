"""Prints the agreement of the two implementations on the fixtures (the numbers in steps/evaluate/README.md).

    cd steps/evaluate/python && VENV/bin/python tests/agreement.py
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import tmtools

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import OST_PYTHON, HERE, fixture, load_atoms, write_atoms  # noqa: E402
from openfold_argo_evaluate import evaluate  # noqa: E402
from openfold_argo_evaluate.structure import one_letter  # noqa: E402


def ost(model, reference):
    out = subprocess.run([OST_PYTHON, str(HERE / "ost_crosscheck.py"), model, reference], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def ca(path):
    atoms = load_atoms(path)
    a = atoms[atoms.atom_name == "CA"]
    return a.coord.astype(np.float64), "".join(one_letter(n) for n in a.res_name)


def main():
    tmp = Path(tempfile.mkdtemp())
    ref = fixture("5eep_A.pdb")
    atoms = load_atoms(ref)
    moved = atoms.copy()
    last = sorted(set(atoms.res_id.tolist()))[-28:]
    moved.coord[np.isin(moved.res_id, last)] += [200.0, 0, 0]
    cases = [
        ("5EEP vs itself", ref, ref),
        ("5EEP, C-terminal 20% moved 200 A", write_atoms(moved, tmp / "moved.pdb"), ref),
    ]
    for sigma in (0.5, 1.5):
        noisy = atoms.copy()
        noisy.coord = noisy.coord + np.random.default_rng(17).normal(0, sigma, noisy.coord.shape)
        cases.append((f"5EEP + Gaussian noise {sigma} A", write_atoms(noisy, tmp / f"n{sigma}.pdb"), ref))
    cases += [
        ("1NI7 NMR model 1 vs 5EEP X-ray", fixture("1ni7_model1.pdb"), ref),
        ("1NI7 NMR model 2 vs model 1", fixture("1ni7_model2.pdb"), fixture("1ni7_model1.pdb")),
        ("6KWC relaxed vs unrelaxed (OpenFold)", fixture("6KWC_1_model_1_ptm_relaxed.noH.pdb"), fixture("6KWC_1_model_1_ptm_unrelaxed.pdb")),
    ]
    print("| comparison | lDDT-Cα biotite / OST | lDDT biotite / OST | RMSD-Cα biotite / OST | TM-score TMscore / TM-align | GDT-TS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, model, reference in cases:
        a, b = evaluate(model, reference), ost(model, reference)
        (mx, ms), (rx, rs) = ca(model), ca(reference)
        tm = tmtools.tm_align(mx, rx, ms, rs).tm_norm_chain2
        print(
            f"| {name} | {a['lddt_ca']:.5f} / {b['lddt_ca']:.5f} | {a['lddt']:.5f} / {b['lddt']:.5f} | "
            f"{a['rmsd_ca']:.3f} / {b['rmsd_ca']:.3f} | {a['tm_score']:.4f} / {tm:.4f} | {a['gdt_ts']:.4f} |"
        )


if __name__ == "__main__":
    main()
