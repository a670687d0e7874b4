"""For each SMILES on stdin (a JSON list), what RDKit (OpenFold3's chemistry library, pinned with it) says:
[{"ok": true, "heavyAtoms": N} | {"ok": false}], as JSON on stdout. The reference of test/steps/split/smiles.test.ts."""

import json
import sys

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

out = []
for smiles in json.load(sys.stdin):
    mol = Chem.MolFromSmiles(smiles)
    out.append({"ok": True, "heavyAtoms": mol.GetNumHeavyAtoms()} if mol is not None else {"ok": False})
print(json.dumps(out))
