"""Reading model and reference structures (PDB, mmCIF, BinaryCIF) into protein chains with biotite.

A chain keeps its residues in file order, each with a one-letter code and, for mmCIF files, its position in
the chain's SEQRES (the entity sequence, ``label_seq_id``). The residue mapping aligns against SEQRES when it
is known, as CAMEO does, so residues missing from the deposited coordinates never shift the alignment.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import biotite.structure as struc
import biotite.structure.io.pdb as pdb
import biotite.structure.io.pdbx as pdbx
from biotite.sequence import ProteinSequence


class StructureError(ValueError):
    """A structure file that cannot be evaluated; the message names the file and the problem."""


@dataclass
class Residue:
    number: int  # author residue number (PDB) or label_seq_id (mmCIF)
    insertion: str
    name: str  # three-letter residue name
    letter: str  # one-letter code, X when non-standard
    seqres_index: int | None  # 0-based position in the chain's SEQRES, when the file has one
    atoms: struc.AtomArray


@dataclass
class Chain:
    id: str  # author chain id (what PDB entries, CAMEO and DockQ call the chain)
    residues: list[Residue]
    seqres: str | None = None

    @property
    def sequence(self) -> str:
        """One-letter sequence of the modelled residues."""
        return "".join(r.letter for r in self.residues)


@dataclass
class Structure:
    path: str
    chains: list[Chain] = field(default_factory=list)

    def chain(self, chain_id: str) -> Chain:
        for c in self.chains:
            if c.id == chain_id:
                return c
        known = ", ".join(c.id for c in self.chains)
        raise StructureError(f"{self.path}: no protein chain {chain_id!r} (chains: {known})")


def one_letter(name: str) -> str:
    try:
        letter = ProteinSequence.convert_letter_3to1(name)
    except KeyError:
        return "X"
    return letter if letter in "ACDEFGHIKLMNPQRSTVWY" else "X"


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def _format(path: Path) -> str:
    """By content where it tells (a mirror may serve a PDB-format file under .cif), else by name."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".bcif"):
        return "bcif"
    head = _text(path)[:4096].lstrip()
    if head.startswith("data_"):
        return "cif"
    if head[:6] in ("HEADER", "ATOM  ", "HETATM", "MODEL ", "REMARK", "TITLE ", "CRYST1", "EXPDTA", "COMPND"):
        return "pdb"
    return "cif" if name.endswith((".cif", ".mmcif")) else "pdb"


def _protein_heavy_atoms(atoms: struc.AtomArray) -> struc.AtomArray:
    atoms = atoms[struc.filter_amino_acids(atoms)]
    return atoms[atoms.element != "H"]


def _entity_sequences(block: pdbx.CIFBlock) -> dict[str, str]:
    """label_asym_id -> canonical one-letter SEQRES of its polymer entity."""
    if "entity_poly" not in block or "struct_asym" not in block:
        return {}
    poly = block["entity_poly"]
    seqs = {
        str(e): "".join(str(s).split())
        for e, s in zip(poly["entity_id"].as_array(str), poly["pdbx_seq_one_letter_code_can"].as_array(str))
    }
    asym = block["struct_asym"]
    return {
        str(a): seqs[str(e)]
        for a, e in zip(asym["id"].as_array(str), asym["entity_id"].as_array(str))
        if str(e) in seqs
    }


def _read_cif(path: Path, fmt: str) -> Structure:
    if fmt == "bcif":
        cif = pdbx.BinaryCIFFile.read(io.BytesIO(path.read_bytes()))
    else:
        cif = pdbx.CIFFile.read(io.StringIO(_text(path)))
    block = cif.block
    # Label fields: res_id is label_seq_id, the index into the entity's SEQRES; chain ids are mapped back to
    # the author ids below, which is how PDB entries, CAMEO and DockQ name chains.
    atoms = pdbx.get_structure(cif, model=1, use_author_fields=False, extra_fields=["b_factor"])
    site = block["atom_site"]
    label_to_auth = dict(zip(site["label_asym_id"].as_array(str), site["auth_asym_id"].as_array(str)))
    seqres = _entity_sequences(block)
    atoms = _protein_heavy_atoms(atoms)
    chains: list[Chain] = []
    for label in dict.fromkeys(atoms.chain_id):
        chain_atoms = atoms[atoms.chain_id == label]
        sequence = seqres.get(str(label))
        residues = []
        for res in struc.residue_iter(chain_atoms):
            number = int(res.res_id[0])
            index = number - 1 if sequence and 1 <= number <= len(sequence) else None
            residues.append(Residue(number, str(res.ins_code[0]), str(res.res_name[0]), one_letter(str(res.res_name[0])), index, res))
        chains.append(Chain(label_to_auth.get(str(label), str(label)), residues, sequence))
    return Structure(str(path), chains)


def _read_pdb(path: Path) -> Structure:
    pdb_file = pdb.PDBFile.read(io.StringIO(_text(path)))
    atoms = pdb_file.get_structure(model=1, extra_fields=["b_factor"])
    atoms = _protein_heavy_atoms(atoms)
    chains: list[Chain] = []
    for chain_id in dict.fromkeys(atoms.chain_id):
        chain_atoms = atoms[atoms.chain_id == chain_id]
        residues = [
            Residue(int(r.res_id[0]), str(r.ins_code[0]), str(r.res_name[0]), one_letter(str(r.res_name[0])), None, r)
            for r in struc.residue_iter(chain_atoms)
        ]
        chains.append(Chain(str(chain_id), residues))
    return Structure(str(path), chains)


def read_structure(path: str | Path) -> Structure:
    """Protein chains of the first model of a PDB, mmCIF or BinaryCIF file (optionally gzipped)."""
    p = Path(path)
    if not p.is_file():
        raise StructureError(f"{p}: no such file")
    fmt = _format(p)
    try:
        structure = _read_cif(p, fmt) if fmt in ("cif", "bcif") else _read_pdb(p)
    except StructureError:
        raise
    except Exception as e:  # biotite raises several types for malformed files
        raise StructureError(f"{p}: cannot read as {fmt}: {e}") from e
    structure.chains = [c for c in structure.chains if c.residues]
    if not structure.chains:
        raise StructureError(f"{p}: no protein residues")
    for chain in structure.chains:
        for r in chain.residues:
            if not np.all(np.isfinite(r.atoms.coord)):
                raise StructureError(f"{p}: chain {chain.id} residue {r.number}: coordinates are not finite numbers")
    return structure


def select_chains(structure: Structure, chain_ids: list[str] | None) -> Structure:
    """The structure restricted to the named chains (author ids), in the order given."""
    if not chain_ids:
        return structure
    return Structure(structure.path, [structure.chain(c) for c in chain_ids])
