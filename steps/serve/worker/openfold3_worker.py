"""The warm OpenFold3 worker of `openfold-argo serve`: loads the model ONCE, then predicts request after request.

It runs OpenFold3 0.5.0's own inference code in this process (InferenceExperimentRunner, the trainer, the output
writer), the way `run_openfold predict` does, except that the loaded LightningModule is kept and handed to a fresh
runner per request, so no request pays the model load. The HTTP server (steps/serve/, TypeScript) owns the queue;
this worker does one request at a time.

Protocol: JSON lines. stdin takes requests, stdout carries only the replies (everything OpenFold3 prints goes to
stderr, which the server redacts before it logs anything):
  -> {"event": "ready", "load_seconds": s, "device": "cpu"|"cuda", "loads": 1}      once, after the model load
  <- {"id": n, "query_json": path, "output_dir": path, "seeds": [..], "diffusion_samples": k,
      "structure_format": "cif"|"pdb"}
  -> {"id": n, "ok": true, "seconds": s, "loads": 1, "gpu_memory_bytes": b|null}
  -> {"id": n, "ok": false, "error": "Type: message"}
The paths are the server's (a private work directory); no request text reaches a path or a command here.

usage: python openfold3_worker.py --checkpoint CKPT --runner-yaml RUNNER.json --work-dir DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class PredictRequest:
    id: int
    query_json: Path
    output_dir: Path
    seeds: list[int]
    diffusion_samples: int
    structure_format: str


class BadRequest(ValueError):
    """A request line the worker cannot use (the server built it wrong)."""


def parse_request(line: str) -> PredictRequest:
    """Checks one request line. Pure."""
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as e:
        raise BadRequest(f"not JSON: {e.msg}") from None
    if not isinstance(doc, dict):
        raise BadRequest("a request is a JSON object")
    rid = doc.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool):
        raise BadRequest("id must be an integer")
    for key in ("query_json", "output_dir"):
        if not isinstance(doc.get(key), str) or not os.path.isabs(doc[key]):
            raise BadRequest(f"{key} must be an absolute path")
    seeds = doc.get("seeds")
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise BadRequest("seeds must be a non-empty list of integers")
    samples = doc.get("diffusion_samples")
    if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= 25:
        raise BadRequest("diffusion_samples must be an integer from 1 to 25")
    fmt = doc.get("structure_format")
    if fmt not in ("cif", "pdb"):
        raise BadRequest('structure_format must be "cif" or "pdb"')
    return PredictRequest(rid, Path(doc["query_json"]), Path(doc["output_dir"]), seeds, samples, fmt)


def request_id_of(line: str) -> int | None:
    """The id of a request line, when it has one (to answer a bad request by id)."""
    try:
        rid = json.loads(line).get("id")
    except (json.JSONDecodeError, AttributeError):
        return None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def runner_args_for(base: dict[str, Any], req: PredictRequest) -> dict[str, Any]:
    """The runner settings of one request: the server's, with this request's seeds and output format. Pure."""
    args = json.loads(json.dumps(base))
    args.setdefault("experiment_settings", {})["seeds"] = list(req.seeds)
    args.setdefault("output_writer_settings", {})["structure_format"] = req.structure_format
    return args


class WarmModel:
    """OpenFold3's LightningModule, loaded once, and a fresh runner around it per request."""

    def __init__(self, checkpoint: Path, runner_args: dict[str, Any], work_dir: Path) -> None:
        from openfold3.entry_points.experiment_runner import InferenceExperimentRunner
        from openfold3.entry_points.validator import InferenceExperimentConfig

        self._runner_class = InferenceExperimentRunner
        self._config_class = InferenceExperimentConfig
        self.checkpoint = checkpoint
        self.runner_args = runner_args
        self.loads = 0
        start = time.monotonic()
        first = self._runner(runner_args, work_dir / "load")
        first.setup()  # the model load: build the module, read the checkpoint, check its keys
        self.module = first.lightning_module
        self.loads += 1
        self.load_seconds = time.monotonic() - start

    def _runner(self, runner_args: dict[str, Any], output_dir: Path) -> Any:
        config = self._config_class(inference_ckpt_path=self.checkpoint, **runner_args)
        # use_msa_server False: MSAs come with the request (or from the server's align step), never from ColabFold.
        return self._runner_class(config, None, None, False, None, output_dir)

    def predict(self, req: PredictRequest) -> None:
        from openfold3.projects.of3_all_atom.config.inference_query_format import InferenceQuerySet

        runner = self._runner(runner_args_for(self.runner_args, req), req.output_dir)
        runner.__dict__["lightning_module"] = self.module  # the warm module (a cached_property): no load here
        # The model reads the sample count from its config at every forward pass.
        self.module.config.architecture.shared.diffusion.no_full_rollout_samples = req.diffusion_samples
        runner.run(InferenceQuerySet.from_json(req.query_json))
        runner.cleanup()


def gpu_memory_bytes() -> int | None:
    import torch

    return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None


def device_name() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def serve(model: WarmModel, requests: IO[str], replies: IO[str]) -> None:
    def reply(doc: dict[str, Any]) -> None:
        replies.write(json.dumps(doc) + "\n")
        replies.flush()

    reply({"event": "ready", "load_seconds": round(model.load_seconds, 3), "device": device_name(), "loads": model.loads})
    for line in requests:
        if not line.strip():
            continue
        try:
            req = parse_request(line)
        except BadRequest as e:
            reply({"id": request_id_of(line), "ok": False, "error": f"BadRequest: {e}"})
            continue
        start = time.monotonic()
        try:
            model.predict(req)
        except Exception as e:  # one request's failure must not end the worker
            reply({"id": req.id, "ok": False, "error": f"{type(e).__name__}: {e}"})
            continue
        reply(
            {
                "id": req.id,
                "ok": True,
                "seconds": round(time.monotonic() - start, 3),
                "loads": model.loads,
                "gpu_memory_bytes": gpu_memory_bytes(),
            }
        )


def die_with_parent() -> None:
    """Linux: SIGKILL this worker when the server process ends, so no orphan keeps a GPU busy."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the closed stdin still ends the loop after the current request


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--runner-yaml", type=Path, required=True, help="runner settings (JSON, valid YAML)")
    parser.add_argument("--work-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    die_with_parent()
    # stdout is the protocol: keep a handle on it and send everything else printed (OpenFold3, Lightning) to stderr.
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    from openfold3.core.utils.script_utils import set_ulimits
    from openfold3.entry_points.import_utils import _configure_torch_backend, _enable_tf32

    # What `run_openfold predict` does before it builds a runner (0.5.0, run_openfold.py).
    _configure_torch_backend()
    _enable_tf32()
    set_ulimits()
    runner_args = json.loads(args.runner_yaml.read_text())
    model = WarmModel(args.checkpoint, runner_args, args.work_dir)
    serve(model, sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
