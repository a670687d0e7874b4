"""Tests of the worker's protocol (python -m unittest, run by test/steps/serve/worker-python.test.ts in OpenFold3's
venv). The serve loop runs here with CountingModel, a test double of WarmModel that records what it is asked;
the real model behind the same loop is tested through the server (test/steps/serve/server.test.ts)."""

from __future__ import annotations

import io
import json
import unittest
from pathlib import Path

from openfold3_worker import BadRequest, PredictRequest, parse_request, runner_args_for, serve

GOOD = {
    "id": 3,
    "query_json": "/w/r3/query.json",
    "output_dir": "/w/r3/output",
    "seeds": [7],
    "diffusion_samples": 2,
    "structure_format": "pdb",
}


class CountingModel:
    """Test double of WarmModel: no OpenFold3; fails on request id 13."""

    def __init__(self) -> None:
        self.loads = 1
        self.load_seconds = 0.5
        self.seen: list[PredictRequest] = []

    def predict(self, req: PredictRequest) -> None:
        self.seen.append(req)
        if req.id == 13:
            raise RuntimeError("query could not be prepared")


class ParseRequest(unittest.TestCase):
    def test_a_good_line(self) -> None:
        req = parse_request(json.dumps(GOOD))
        self.assertEqual(req, PredictRequest(3, Path("/w/r3/query.json"), Path("/w/r3/output"), [7], 2, "pdb"))

    def test_each_bad_field_is_named(self) -> None:
        cases = {
            "id": "x",
            "query_json": "relative/query.json",
            "output_dir": 5,
            "seeds": [],
            "diffusion_samples": 0,
            "structure_format": "mmcif",
        }
        for key, value in cases.items():
            with self.subTest(key=key), self.assertRaisesRegex(BadRequest, key):
                parse_request(json.dumps({**GOOD, key: value}))
        with self.assertRaisesRegex(BadRequest, "not JSON"):
            parse_request("{")

    def test_runner_args_take_the_requests_seeds_and_format_and_leave_the_base_alone(self) -> None:
        base = {"experiment_settings": {"seeds": [1], "use_msa_server": False}, "pl_trainer_args": {"accelerator": "cpu"}}
        args = runner_args_for(base, parse_request(json.dumps(GOOD)))
        self.assertEqual(args["experiment_settings"], {"seeds": [7], "use_msa_server": False})
        self.assertEqual(args["output_writer_settings"], {"structure_format": "pdb"})
        self.assertEqual(base["experiment_settings"]["seeds"], [1])


class ServeLoop(unittest.TestCase):
    def run_loop(self, lines: list[str]) -> tuple[CountingModel, list[dict]]:
        model = CountingModel()
        out = io.StringIO()
        serve(model, io.StringIO("".join(f"{line}\n" for line in lines)), out)  # type: ignore[arg-type]
        return model, [json.loads(line) for line in out.getvalue().splitlines()]

    def test_ready_first_then_one_reply_per_request_in_order_and_a_failure_does_not_end_it(self) -> None:
        model, replies = self.run_loop(
            [json.dumps(GOOD), json.dumps({**GOOD, "id": 13}), "", json.dumps({**GOOD, "id": 4, "seeds": "x"}), json.dumps({**GOOD, "id": 5})]
        )
        self.assertEqual(replies[0], {"event": "ready", "load_seconds": 0.5, "device": replies[0]["device"], "loads": 1})
        self.assertEqual([r["id"] for r in replies[1:]], [3, 13, 4, 5])
        self.assertEqual([r["ok"] for r in replies[1:]], [True, False, False, True])
        self.assertEqual(replies[2]["error"], "RuntimeError: query could not be prepared")
        self.assertIn("BadRequest: seeds", replies[3]["error"])
        self.assertEqual([r.id for r in model.seen], [3, 13, 5])
        self.assertTrue(all(r.get("loads", 1) == 1 for r in replies))


if __name__ == "__main__":
    unittest.main()
