"""DockQ per interface of a complex, from the DockQ package (Mirabello & Wallner; PyPI ``DockQ``).

Our chain correspondence (by sequence, ``mapping.match_chains``) is handed to DockQ, which scores every pair
of reference chains in contact (fnat, iRMSD, LRMSD, DockQ); pairs without native contacts are not scored.
"""

from __future__ import annotations

import contextlib
import io

from DockQ.DockQ import load_PDB, run_on_all_native_interfaces

from .mapping import ChainMatch


def dockq_per_interface(model_path: str, reference_path: str, matches: list[ChainMatch]) -> list[dict[str, object]]:
    if len(matches) < 2:
        return []
    chain_map = {m.reference.id: m.model.id for m in matches}
    # DockQ prints progress and warnings on stdout; the step's stdout is JSON only.
    with contextlib.redirect_stdout(io.StringIO()):
        model = load_PDB(model_path, chains=list(chain_map.values()))
        native = load_PDB(reference_path, chains=list(chain_map))
        results, _ = run_on_all_native_interfaces(model, native, chain_map=chain_map)
    out = []
    for key, info in results.items():
        ref_a, ref_b = key[: len(key) // 2], key[len(key) // 2 :]
        pair = next(((a, b) for a in chain_map for b in chain_map if a != b and a + b == key), (ref_a, ref_b))
        out.append(
            {
                "reference_chains": list(pair),
                "model_chains": [chain_map[pair[0]], chain_map[pair[1]]],
                "dockq": float(info["DockQ"]),
                "fnat": float(info["fnat"]),
                "irmsd": float(info["iRMSD"]),
                "lrmsd": float(info["LRMSD"]),
                "native_contacts": int(info["nat_total"]),
            }
        )
    return out
