"""Heavy-atom counts OpenFold3 builds for CCD codes given as JSON on stdin ({"ligand": [...], "modified": [...]}):
ligands as atom_array_from_ccd_code makes them, modified residues without their leaving atoms (as
structure_with_ref_mols_from_sequence links them). The reference of steps/split/ccd-atoms.ts."""

import json
import logging
import sys

import numpy as np

logging.disable(logging.WARNING)

from openfold3.core.data.primitives.structure.query import atom_array_from_ccd_code, get_leaving_atoms  # noqa: E402
from openfold3.core.data.resources.residues import MoleculeType  # noqa: E402

codes = json.load(sys.stdin)
ligand = {c: int(len(atom_array_from_ccd_code(c, "A", molecule_type=MoleculeType.LIGAND))) for c in codes["ligand"]}
modified = {}
for c in codes["modified"]:
    atoms = atom_array_from_ccd_code(c, "A")
    modified[c] = int((~np.isin(atoms.atom_name, get_leaving_atoms(c))).sum())
print(json.dumps({"ligand": ligand, "modified": modified}))
