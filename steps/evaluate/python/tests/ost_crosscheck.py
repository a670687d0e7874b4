"""The second implementation for the cross-check: OpenStructure 2.3.1 (Debian's python3-ost), run with Debian's
/usr/bin/python3. Its lDDT is the reference implementation of Mariani et al. 2013 that CAMEO scored with
(``ost.mol.alg.lDDTScorer``), its superposition ``ost.mol.alg.Superpose``. It pairs residues by chain name
and residue number, so the cross-check runs on fixtures numbered alike.

    /usr/bin/python3 ost_crosscheck.py MODEL REFERENCE   ->   JSON on stdout
"""

import json
import sys

from ost import io
from ost.mol import alg


def load(path):
    return io.LoadMMCIF(path) if path.endswith(".cif") else io.LoadPDB(path)


def main(model_path, reference_path):
    model, reference = load(model_path), load(reference_path)
    heavy = "peptide=true and ele!=H"
    ca = "peptide=true and aname=CA"
    settings = alg.lDDTSettings()  # 15 A radius, thresholds 0.5/1/2/4 A
    all_atom = alg.lDDTScorer(references=[reference.Select(heavy)], model=model.Select(heavy), settings=settings)
    ca_scorer = alg.lDDTScorer(references=[reference.Select(ca)], model=model.Select(ca), settings=alg.lDDTSettings())
    # Superpose pairs residues by number (match="number") and fits their CA atoms (SVD).
    sup = alg.Superpose(model.Select(ca).Copy(), reference.Select(ca), match="number", atoms="CA")
    print(
        json.dumps(
            {
                "implementation": "OpenStructure 2.3.1 (Debian python3-ost)",
                "lddt": all_atom.global_score,
                "lddt_ca": ca_scorer.global_score,
                "rmsd_ca": sup.rmsd,
                "per_residue_lddt_ca": [
                    {"chain": s.cname, "number": s.rnum, "lddt_ca": s.local_lddt} for s in ca_scorer.local_scores if s.is_assessed == "Yes"
                ],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
