"""TEST ONLY: writes an OpenFold3 checkpoint of RANDOM weights for a reduced model (one block per stack).

Random weights predict nothing: every structure they produce is noise (pLDDT 50, a random coordinate cloud).
This exists so the tests can run OpenFold3's real `run_openfold predict` on CPU without downloading weights;
nothing in the product or the demo can reach it. The runner yaml of a run must carry REDUCED_BLOCKS too
(test/helpers/openfold3.ts writes it), since OpenFold3 builds the model from its config and checks the keys.

usage: python make_test_checkpoint.py OUT.pt     (also writes OUT.pt.blocks.json: the model_update.custom to use)
       python make_test_checkpoint.py --blocks-json
"""

import json
import sys

# One block in every stack: the same keys the inference runner builds from this model_update.
REDUCED_BLOCKS = {
    "architecture": {
        "input_embedder": {"atom_attn_enc": {"no_blocks": 1}},
        "template": {"template_pair_stack": {"no_blocks": 1}},
        "msa": {"msa_module": {"no_blocks": 1}},
        "pairformer": {"no_blocks": 1},
        "diffusion_module": {
            "atom_attn_enc": {"no_blocks": 1},
            "diffusion_transformer": {"no_blocks": 1},
            "atom_attn_dec": {"no_blocks": 1},
        },
        "heads": {"pairformer_embedding": {"pairformer": {"no_blocks": 1}}},
    }
}


def main() -> None:
    if "--blocks-json" in sys.argv:
        print(json.dumps(REDUCED_BLOCKS))
        return
    out = sys.argv[1]
    import torch
    from openfold3.projects.of3_all_atom.project_entry import ModelUpdate, OF3ProjectEntry

    torch.manual_seed(0)
    entry = OF3ProjectEntry()
    config = entry.get_model_config_with_update(ModelUpdate(presets=["predict"], custom=REDUCED_BLOCKS))
    module = entry.runner(config)
    state = module.model.state_dict()
    import os

    tmp = f"{out}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(REDUCED_BLOCKS, f)
    os.replace(tmp, out + ".blocks.json")
    torch.save(state, tmp)
    os.replace(tmp, out)
    print(json.dumps({"checkpoint": out, "parameters": sum(v.numel() for v in state.values())}))


if __name__ == "__main__":
    main()
