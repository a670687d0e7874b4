"""Facts of the installed OpenFold3 the tests assert, printed as JSON.

  defaults                 the inference defaults a runner yaml does not override (use_msa_server, seeds, ...)
  msa-rows BATCH.pt        rows of the main MSA in a query's input features (written with write_features)
"""

import json
import logging
import sys

logging.disable(logging.WARNING)


def defaults() -> dict:
    from openfold3.entry_points.validator import InferenceExperimentSettings

    s = InferenceExperimentSettings()
    return {"use_msa_server": s.use_msa_server, "use_templates": s.use_templates, "seeds": s.seeds}


def msa_rows(path: str) -> dict:
    import torch

    batch = torch.load(path, map_location="cpu", weights_only=False)
    msa = batch["msa"]
    # [batch, rows, tokens, classes]; padding rows are all zero in msa_mask.
    mask = batch.get("msa_mask")
    rows = int(msa.shape[1])
    used = int((mask.reshape(mask.shape[0], mask.shape[1], -1).sum(-1) > 0).sum()) if mask is not None else rows
    return {"rows": rows, "usedRows": used}


if __name__ == "__main__":
    what = sys.argv[1]
    print(json.dumps(defaults() if what == "defaults" else msa_rows(sys.argv[2])))
