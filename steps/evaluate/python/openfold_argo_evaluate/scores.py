"""The scores, each from a maintained implementation:

- lDDT (all heavy atoms) and lDDT-Cα, global and per residue: ``biotite.structure.lddt`` (15 Å inclusion
  radius, thresholds 0.5/1/2/4 Å, intra-residue pairs excluded; inter-chain pairs count, as in oligo-lDDT).
  The score is over the reference: an atom the model lacks keeps its pairs, which count as not preserved.
- RMSD-Cα over the mapped residues after optimal superposition: ``biotite.structure.superimpose`` (Kabsch).
- TM-score and GDT-TS (and GDT-HA): Zhang & Skolnick's ``TMscore`` program (Debian's tm-align package) on Cα
  files written with the sequence mapping as their residue numbering, normalised by the reference length.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import biotite.structure as struc

from .mapping import ChainMatch
from .structure import StructureError


@dataclass
class Paired:
    """Reference heavy atoms and, in the same order, the model's coordinates for them (NaN when absent)."""

    reference: struc.AtomArray
    model_coord: np.ndarray
    # residue key (chain id, residue number, insertion) for each reference residue, in order
    residues: list[tuple[str, int, str, str]]
    ref_ca: np.ndarray  # mapped pairs only
    model_ca: np.ndarray


def pair_atoms(matches: list[ChainMatch]) -> Paired:
    ref_parts, coords, residues, ref_ca, model_ca = [], [], [], [], []
    for m in matches:
        by_ref = {j: i for i, j in m.pairs}
        for j, res in enumerate(m.reference.residues):
            atoms = res.atoms.copy()
            atoms.chain_id[:] = m.reference.id  # author chain id, for the per-residue output
            xyz = np.full((len(atoms), 3), np.nan)
            i = by_ref.get(j)
            if i is not None:
                model_res = m.model.residues[i]
                positions = {name: k for k, name in enumerate(model_res.atoms.atom_name)}
                for k, name in enumerate(atoms.atom_name):
                    if name in positions:
                        xyz[k] = model_res.atoms.coord[positions[name]]
                ca_ref = atoms.atom_name == "CA"
                ca_model = model_res.atoms.atom_name == "CA"
                if ca_ref.any() and ca_model.any():
                    ref_ca.append(atoms.coord[ca_ref][0])
                    model_ca.append(model_res.atoms.coord[ca_model][0])
            ref_parts.append(atoms)
            coords.append(xyz)
            residues.append((m.reference.id, res.number, res.insertion, res.name))
    reference = struc.concatenate(ref_parts)
    return Paired(reference, np.concatenate(coords), residues, np.array(ref_ca).reshape(-1, 3), np.array(model_ca).reshape(-1, 3))


def _as_float(x: float | np.floating) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


# Side-chain atoms whose names are interchangeable by symmetry (the list of OpenStructure's lDDT).
SYMMETRIC = {
    "ARG": [("NH1", "NH2")],
    "ASP": [("OD1", "OD2")],
    "GLU": [("OE1", "OE2")],
    "LEU": [("CD1", "CD2")],
    "PHE": [("CD1", "CD2"), ("CE1", "CE2")],
    "TYR": [("CD1", "CD2"), ("CE1", "CE2")],
    "VAL": [("CG1", "CG2")],
}


def _swapped(reference: struc.AtomArray, coord: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model coordinates with every symmetric pair swapped, and a per-atom residue-start index."""
    out = coord.copy()
    starts = struc.get_residue_starts(reference, add_exclusive_stop=True)
    for start, stop in zip(starts[:-1], starts[1:]):
        pairs = SYMMETRIC.get(str(reference.res_name[start]), [])
        names = list(reference.atom_name[start:stop])
        for a, b in pairs:
            if a in names and b in names:
                i, j = start + names.index(a), start + names.index(b)
                out[i], out[j] = coord[j], coord[i]
    return out, starts


def resolve_symmetry(reference: struc.AtomArray, coord: np.ndarray) -> np.ndarray:
    """Per residue, the naming of symmetric side-chain atoms that preserves more distances (as OpenStructure's
    lDDT does): a model is not penalised for calling Asp OD1 what the reference calls OD2."""
    swapped, starts = _swapped(reference, coord)
    if np.array_equal(swapped, coord, equal_nan=True):
        return coord
    subject = reference.copy()
    subject.coord = coord
    as_is = struc.lddt(reference, subject, aggregation="residue")
    subject.coord = swapped
    flipped = struc.lddt(reference, subject, aggregation="residue")
    out = coord.copy()
    for k, (start, stop) in enumerate(zip(starts[:-1], starts[1:])):
        if flipped[k] > as_is[k]:
            out[start:stop] = swapped[start:stop]
    return out


def lddt_scores(p: Paired) -> dict[str, object]:
    """Global and per-residue lDDT (all heavy atoms) and lDDT-Cα."""
    subject = p.reference.copy()
    subject.coord = resolve_symmetry(p.reference, p.model_coord)
    ca = p.reference.atom_name == "CA"
    out: dict[str, object] = {
        "lddt": _as_float(struc.lddt(p.reference, subject, aggregation="all")),
        "lddt_ca": _as_float(struc.lddt(p.reference, subject, aggregation="all", atom_mask=ca, partner_mask=ca)),
    }
    per_residue = struc.lddt(p.reference, subject, aggregation="residue")
    per_residue_ca = struc.lddt(p.reference, subject, aggregation="residue", atom_mask=ca, partner_mask=ca)
    out["per_residue"] = [
        {"chain": c, "number": n, "insertion": ins, "name": name, "lddt": _as_float(a), "lddt_ca": _as_float(b)}
        for (c, n, ins, name), a, b in zip(p.residues, per_residue, per_residue_ca)
    ]
    return out


def rmsd_ca(p: Paired) -> float | None:
    if len(p.ref_ca) < 3:
        return None
    fitted, _ = struc.superimpose(p.ref_ca, p.model_ca)
    return float(struc.rmsd(p.ref_ca, fitted))


def tmscore_binary() -> str:
    exe = os.environ.get("OPENFOLD_ARGO_TMSCORE") or shutil.which("TMscore")
    if not exe:
        raise StructureError("TMscore not found: install Debian's tm-align package (apt-get install tm-align)")
    return exe


def _ca_pdb(rows: list[tuple[int, str, np.ndarray]]) -> str:
    lines = []
    for serial, (number, name, xyz) in enumerate(rows, start=1):
        x, y, z = (float(v) for v in xyz)
        lines.append(f"ATOM  {serial:5d}  CA  {name:>3s} A{number:4d}    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00           C")
    return "\n".join(lines + ["TER", "END", ""])


_FIELDS = {
    "tm_score": r"TM-score\s*=\s*([0-9.]+)",
    "gdt_ts": r"GDT-TS-score\s*=\s*([0-9.]+)",
    "gdt_ha": r"GDT-HA-score\s*=\s*([0-9.]+)",
    "rmsd_common": r"RMSD of\s+the common residues\s*=\s*([0-9.]+)",
    "common": r"Number of residues in common\s*=\s*([0-9]+)",
}


def tm_and_gdt(matches: list[ChainMatch]) -> dict[str, float | None]:
    """TM-score, GDT-TS and GDT-HA from TMscore, over all chains as one (Cα only).

    Mapped residues share a number in both files (1..M); the reference's unmapped residues follow (M+1..N),
    so TMscore normalises by all N observed reference residues.
    """
    mapped_model, mapped_ref, unmapped_ref = [], [], []
    for m in matches:
        by_ref = {j: i for i, j in m.pairs}
        for j, res in enumerate(m.reference.residues):
            ca = res.atoms.coord[res.atoms.atom_name == "CA"]
            if not len(ca):
                continue
            i = by_ref.get(j)
            model_ca = m.model.residues[i].atoms.coord[m.model.residues[i].atoms.atom_name == "CA"] if i is not None else []
            if i is not None and len(model_ca):
                mapped_ref.append((res.name, ca[0]))
                mapped_model.append((m.model.residues[i].name, model_ca[0]))
            else:
                unmapped_ref.append((res.name, ca[0]))
    total = len(mapped_ref) + len(unmapped_ref)
    if len(mapped_ref) < 3:
        return {"tm_score": None, "gdt_ts": None, "gdt_ha": None}
    if total > 9999:
        raise StructureError(f"{total} reference residues: TMscore's PDB input holds at most 9999")
    model_rows = [(k + 1, name, xyz) for k, (name, xyz) in enumerate(mapped_model)]
    ref_rows = [(k + 1, name, xyz) for k, (name, xyz) in enumerate(mapped_ref + unmapped_ref)]
    with tempfile.TemporaryDirectory(prefix="openfold-argo-tm-") as tmp:
        model_file, ref_file = Path(tmp, "model.pdb"), Path(tmp, "reference.pdb")
        model_file.write_text(_ca_pdb(model_rows))
        ref_file.write_text(_ca_pdb(ref_rows))
        run = subprocess.run([tmscore_binary(), str(model_file), str(ref_file)], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise StructureError(f"TMscore failed with exit code {run.returncode}: {run.stderr.strip() or run.stdout[-400:]}")
    found = {k: re.search(rx, run.stdout) for k, rx in _FIELDS.items()}
    if not all(found[k] for k in ("tm_score", "gdt_ts", "gdt_ha")):
        raise StructureError(f"TMscore printed no TM-score/GDT lines: {run.stdout[-400:]}")
    common = int(found["common"].group(1)) if found["common"] else None
    if common is not None and common != len(mapped_ref):
        raise StructureError(f"TMscore paired {common} residues, expected {len(mapped_ref)}")
    return {k: float(found[k].group(1)) for k in ("tm_score", "gdt_ts", "gdt_ha")}  # type: ignore[union-attr]
