"""Command line of the evaluate step (called by ``openfold-argo evaluate``; stdout is JSON only).

    python -m openfold_argo_evaluate pair --model FILE --reference FILE [--reference-chains A,B]
    python -m openfold_argo_evaluate batch JOBS.json     # [{"id", "model", "reference", "reference_chains"?}]
    python -m openfold_argo_evaluate seqres FILE         # {"<author chain>": "<SEQRES, else modelled sequence>"}

``pair`` prints one result object; ``batch`` prints one JSON object per line ({"id", "result"} or
{"id", "error"}), so one slow or broken target never hides the others. Exit codes: 0 ok, 1 failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from .evaluate import evaluate
from .structure import StructureError, read_structure


def _chains(value: str | None) -> list[str] | None:
    return [c for c in value.split(",") if c] if value else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openfold_argo_evaluate")
    sub = parser.add_subparsers(dest="command", required=True)
    pair = sub.add_parser("pair")
    pair.add_argument("--model", required=True)
    pair.add_argument("--reference", required=True)
    pair.add_argument("--reference-chains")
    batch = sub.add_parser("batch")
    batch.add_argument("jobs")
    seqres = sub.add_parser("seqres")
    seqres.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "seqres":
        try:
            structure = read_structure(args.file)
        except StructureError as e:
            print(str(e), file=sys.stderr)
            return 2
        print(json.dumps({c.id: c.seqres or c.sequence for c in structure.chains}))
        return 0
    if args.command == "pair":
        try:
            result = evaluate(args.model, args.reference, _chains(args.reference_chains))
        except StructureError as e:
            print(str(e), file=sys.stderr)
            return 2
        print(json.dumps(result))
        return 0
    with open(args.jobs, encoding="utf-8") as f:
        jobs = json.load(f)
    failed = 0
    for job in jobs:
        try:
            chains = job.get("reference_chains")
            line = {"id": job["id"], "result": evaluate(job["model"], job["reference"], chains)}
        except Exception as e:  # noqa: BLE001 - reported per target, the batch goes on
            failed += 1
            line = {"id": job.get("id"), "error": f"{type(e).__name__}: {e}" if not isinstance(e, StructureError) else str(e)}
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
