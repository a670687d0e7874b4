"""One model against one reference: chain matching, residue mapping and every score, as one JSON-able dict."""

from __future__ import annotations

from importlib.metadata import version

from .interfaces import dockq_per_interface
from .mapping import match_chains
from .scores import lddt_scores, pair_atoms, rmsd_ca, tm_and_gdt
from .structure import read_structure, select_chains

FORMAT_VERSION = 1


def implementations() -> dict[str, str]:
    return {
        "lddt": f"biotite {version('biotite')} (biotite.structure.lddt)",
        "rmsd_ca": f"biotite {version('biotite')} (biotite.structure.superimpose)",
        "tm_score": "TMscore 2019/08/22 (Debian tm-align)",
        "gdt_ts": "TMscore 2019/08/22 (Debian tm-align)",
        "dockq": f"DockQ {version('DockQ')}",
        "mapping": f"biotite {version('biotite')} (align_optimal, BLOSUM62; SEQRES when the reference has it)",
    }


def evaluate(model_path: str, reference_path: str, reference_chains: list[str] | None = None) -> dict[str, object]:
    model = read_structure(model_path)
    reference = select_chains(read_structure(reference_path), reference_chains)
    matches = match_chains(model, reference)
    paired = pair_atoms(matches)
    lddt = lddt_scores(paired)
    tm = tm_and_gdt(matches)
    result: dict[str, object] = {
        "version": FORMAT_VERSION,
        "model": model_path,
        "reference": reference_path,
        "lddt_ca": lddt["lddt_ca"],
        "lddt": lddt["lddt"],
        "tm_score": tm["tm_score"],
        "gdt_ts": tm["gdt_ts"],
        "gdt_ha": tm["gdt_ha"],
        "rmsd_ca": rmsd_ca(paired),
        "reference_residues": sum(len(m.reference.residues) for m in matches),
        "aligned_residues": sum(m.aligned for m in matches),
        "chains": [
            {
                "model": m.model.id,
                "reference": m.reference.id,
                "identity": round(m.identity, 4),
                "aligned": m.aligned,
                "reference_residues": len(m.reference.residues),
                "model_residues": len(m.model.residues),
                "reference_seqres": bool(m.reference.seqres),
            }
            for m in matches
        ],
        "dockq": dockq_per_interface(model_path, reference_path, matches),
        "per_residue": lddt["per_residue"],
        "implementations": implementations(),
    }
    return result
