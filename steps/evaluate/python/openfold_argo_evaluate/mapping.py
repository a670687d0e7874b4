"""Residue and chain correspondence between a model and a reference, by sequence alignment (biotite).

As CAMEO does, a model chain is aligned to the reference chain's SEQRES when the reference has one (mmCIF):
the deposited residues then map through their SEQRES position, so unobserved residues cannot shift the
alignment. Without SEQRES (a PDB file), the model is aligned to the reference's observed residues.
Chains are matched by sequence: each reference chain takes the unmatched model chain that aligns best;
among chains of identical sequence (homo-oligomers) the assignment with the lowest Cα RMSD after one global
superposition wins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import biotite.structure as struc
from biotite.sequence import ProteinSequence
from biotite.sequence.align import SubstitutionMatrix, align_optimal

from .structure import Chain, Structure, StructureError

_MATRIX = SubstitutionMatrix.std_protein_matrix()
# Gap penalties of a global alignment without end-gap penalties (the model may be longer or shorter).
_GAP = (-10, -1)
# Most permutations of identical chains tried for the homo-oligomer assignment (6 chains = 720).
MAX_PERMUTATIONS = 720


def _protein(seq: str) -> ProteinSequence:
    return ProteinSequence("".join(c if c in "ACDEFGHIKLMNPQRSTVWY" else "X" for c in seq.upper()))


def align_sequences(a: str, b: str) -> list[tuple[int, int]]:
    """Index pairs (i in a, j in b) aligned by a global alignment with free end gaps (BLOSUM62)."""
    if not a or not b:
        return []
    alignment = align_optimal(_protein(a), _protein(b), _MATRIX, gap_penalty=_GAP, terminal_penalty=False, max_number=1)[0]
    return [(int(i), int(j)) for i, j in alignment.trace if i >= 0 and j >= 0]


@dataclass
class ChainMatch:
    model: Chain
    reference: Chain
    # (model residue index, reference residue index) in the chains' residue lists
    pairs: list[tuple[int, int]]
    identity: float  # identical aligned residues / reference residues

    @property
    def aligned(self) -> int:
        return len(self.pairs)


def residue_pairs(model: Chain, reference: Chain) -> tuple[list[tuple[int, int]], float]:
    """Residue correspondence model -> reference and the sequence identity over the reference residues."""
    if reference.seqres and all(r.seqres_index is not None for r in reference.residues):
        by_seqres = {r.seqres_index: k for k, r in enumerate(reference.residues)}
        pairs = [(i, by_seqres[j]) for i, j in align_sequences(model.sequence, reference.seqres) if j in by_seqres]
    else:
        pairs = align_sequences(model.sequence, reference.sequence)
    identical = sum(1 for i, j in pairs if model.residues[i].letter == reference.residues[j].letter != "X")
    return pairs, identical / max(1, len(reference.residues))


def _ca(chain: Chain, indices: list[int]) -> np.ndarray:
    out = np.full((len(indices), 3), np.nan)
    for k, i in enumerate(indices):
        ca = chain.residues[i].atoms[chain.residues[i].atoms.atom_name == "CA"]
        if len(ca):
            out[k] = ca.coord[0]
    return out


def _rmsd_of_assignment(matches: list[ChainMatch]) -> float:
    model = np.concatenate([_ca(m.model, [i for i, _ in m.pairs]) for m in matches])
    ref = np.concatenate([_ca(m.reference, [j for _, j in m.pairs]) for m in matches])
    ok = np.all(np.isfinite(model), axis=1) & np.all(np.isfinite(ref), axis=1)
    if ok.sum() < 3:
        return float("inf")
    fitted, _ = struc.superimpose(ref[ok], model[ok])
    return float(struc.rmsd(ref[ok], fitted))


def match_chains(model: Structure, reference: Structure, min_identity: float = 0.3) -> list[ChainMatch]:
    """One model chain per reference chain, by sequence; raises when a reference chain has no match."""
    candidates: dict[str, list[ChainMatch]] = {}
    for ref in reference.chains:
        options = []
        for m in model.chains:
            pairs, identity = residue_pairs(m, ref)
            if pairs and identity >= min_identity:
                options.append(ChainMatch(m, ref, pairs, identity))
        if not options:
            raise StructureError(
                f"{reference.path}: chain {ref.id}: no chain of {model.path} matches its sequence "
                f"(at least {min_identity:.0%} identity over the reference residues needed)"
            )
        options.sort(key=lambda o: (-o.identity, -o.aligned))
        candidates[ref.id] = options
    # Greedy by identity, then refine the groups of reference chains with the same sequence by permutation.
    chosen: dict[str, ChainMatch] = {}
    used: set[str] = set()
    for ref_id in sorted(candidates, key=lambda r: -candidates[r][0].identity):
        pick = next((o for o in candidates[ref_id] if o.model.id not in used), None)
        if pick is None:
            raise StructureError(f"{reference.path}: chain {ref_id}: every matching model chain is already taken")
        chosen[ref_id] = pick
        used.add(pick.model.id)
    groups: dict[str, list[str]] = {}
    for ref in reference.chains:
        groups.setdefault(ref.seqres or ref.sequence, []).append(ref.id)
    for ref_ids in groups.values():
        if len(ref_ids) < 2:
            continue
        model_chains = [chosen[r].model for r in ref_ids]
        best, best_rmsd = None, float("inf")
        for n, perm in enumerate(itertools.permutations(model_chains)):
            if n >= MAX_PERMUTATIONS:
                break
            trial = dict(chosen)
            for r, m in zip(ref_ids, perm):
                pairs, identity = residue_pairs(m, reference.chain(r))
                trial[r] = ChainMatch(m, reference.chain(r), pairs, identity)
            value = _rmsd_of_assignment(list(trial.values()))
            if value < best_rmsd:
                best, best_rmsd = trial, value
        if best:
            chosen = best
    return [chosen[ref.id] for ref in reference.chains]
