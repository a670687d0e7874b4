#!/usr/bin/env python3
# TEST DOUBLE of OpenFold's run_pretrained_openfold.py, used only by test/steps/predict. It is not OpenFold,
# predicts nothing and is never shipped: it accepts the same command line (the argparse flags below are copied
# from run_pretrained_openfold.py and scripts/utils.py at the pinned OpenFold commit, so an unknown or misspelt
# flag fails here as it would there), reads the FASTA directory and the alignment folders the way OpenFold does,
# logs OpenFold's progress lines, and writes OpenFold's output layout by COPYING a fixture model file chosen by
# the test. Behaviour is set by environment variables:
#   OPENFOLD_DOUBLE_UNRELAXED  fixture copied to predictions/<tag>_<preset>_unrelaxed.pdb
#   OPENFOLD_DOUBLE_RELAXED    fixture copied to predictions/<tag>_<preset>_relaxed.pdb (without --skip_relaxation)
#   OPENFOLD_DOUBLE_FAIL_TAGS  comma-separated tags that raise a ValueError (a target that fails)
#   OPENFOLD_DOUBLE_OOM_TAG    tag that raises torch.OutOfMemoryError ("CUDA out of memory")
#   OPENFOLD_DOUBLE_KILL_TAG   tag at which the process kills itself with SIGKILL
#   OPENFOLD_DOUBLE_FAIL_LOAD  when set, fail while "loading the model", before any target
#   OPENFOLD_DOUBLE_ARGV_LOG   file that receives one JSON line with sys.argv per run
import argparse
import json
import logging
import os
import re
import shutil
import signal
import sys
import time

logging.basicConfig()
logger = logging.getLogger(__file__)
logger.setLevel(level=logging.INFO)


class OutOfMemoryError(RuntimeError):
    pass


# The traceback then names it as PyTorch does: "torch.OutOfMemoryError: CUDA out of memory. ..."
OutOfMemoryError.__module__ = "torch"


def parse_fasta(data):
    # Same as openfold/utils/script_utils.parse_fasta.
    data = re.sub(">$", "", data, flags=re.M)
    lines = [
        line.replace("\n", "")
        for prot in data.split(">")
        for line in prot.strip().split("\n", 1)
    ][1:]
    tags, seqs = lines[::2], lines[1::2]
    tags = [re.split(r"\W| \|", t)[0] for t in tags]
    return tags, seqs


def update_timings(timing_dict, output_file):
    timings = {}
    if os.path.exists(output_file):
        with open(output_file) as f:
            timings = json.load(f)
    timings.update(timing_dict)
    with open(output_file, "w") as f:
        json.dump(timings, f)


def parser():
    p = argparse.ArgumentParser()
    p.add_argument("fasta_dir", type=str)
    p.add_argument("template_mmcif_dir", type=str)
    p.add_argument("--use_precomputed_alignments", type=str, default=None)
    p.add_argument("--use_custom_template", action="store_true", default=False)
    p.add_argument("--use_single_seq_mode", action="store_true", default=False)
    p.add_argument("--output_dir", type=str, default=os.getcwd())
    p.add_argument("--model_device", type=str, default="cpu")
    p.add_argument("--config_preset", type=str, default="model_1")
    p.add_argument("--jax_param_path", type=str, default=None)
    p.add_argument("--openfold_checkpoint_path", type=str, default=None)
    p.add_argument("--save_outputs", action="store_true", default=False)
    p.add_argument("--cpus", type=int, default=4)
    p.add_argument("--preset", type=str, default="full_dbs", choices=("reduced_dbs", "full_dbs"))
    p.add_argument("--output_postfix", type=str, default=None)
    p.add_argument("--data_random_seed", type=int, default=None)
    p.add_argument("--skip_relaxation", action="store_true", default=False)
    p.add_argument("--multimer_ri_gap", type=int, default=200)
    p.add_argument("--trace_model", action="store_true", default=False)
    p.add_argument("--subtract_plddt", action="store_true", default=False)
    p.add_argument("--long_sequence_inference", action="store_true", default=False)
    p.add_argument("--cif_output", action="store_true", default=False)
    p.add_argument("--experiment_config_json", default="")
    p.add_argument("--use_deepspeed_evoformer_attention", action="store_true", default=False)
    # scripts/utils.add_data_args
    for name in (
        "uniref90_database_path", "mgnify_database_path", "pdb70_database_path", "pdb_seqres_database_path",
        "uniref30_database_path", "uniclust30_database_path", "uniprot_database_path", "bfd_database_path",
        "jackhmmer_binary_path", "hhblits_binary_path", "hhsearch_binary_path", "hmmsearch_binary_path",
        "hmmbuild_binary_path", "kalign_binary_path", "obsolete_pdbs_path", "release_dates_path",
    ):
        p.add_argument(f"--{name}", type=str, default=None)
    p.add_argument("--max_template_date", type=str, default=None)
    return p


def main(args):
    if os.environ.get("OPENFOLD_DOUBLE_ARGV_LOG"):
        with open(os.environ["OPENFOLD_DOUBLE_ARGV_LOG"], "a") as f:
            f.write(json.dumps(sys.argv) + "\n")
    os.makedirs(args.output_dir, exist_ok=True)
    if args.jax_param_path is None and args.openfold_checkpoint_path is None:
        raise ValueError("At least one of jax_param_path or openfold_checkpoint_path must be specified.")
    if os.environ.get("OPENFOLD_DOUBLE_FAIL_LOAD"):
        raise FileNotFoundError(f"[Errno 2] No such file or directory: '{args.openfold_checkpoint_path or args.jax_param_path}'")
    targets = []
    for name in os.listdir(args.fasta_dir):
        if name.endswith((".fasta", ".fa")):
            with open(os.path.join(args.fasta_dir, name)) as fp:
                tags, seqs = parse_fasta(fp.read())
            if len(tags) != 1:
                print(f"{name} contains more than one sequence but multimer mode is not enabled. Skipping...")
                continue
            targets.append((tags[0], seqs[0]))
    targets.sort(key=lambda t: len(t[1]))
    prediction_dir = os.path.join(args.output_dir, "predictions")
    os.makedirs(prediction_dir, exist_ok=True)
    fail_tags = set(filter(None, os.environ.get("OPENFOLD_DOUBLE_FAIL_TAGS", "").split(",")))
    for tag, _seq in targets:
        output_name = f"{tag}_{args.config_preset}"
        logger.info(f"Using precomputed alignments for {tag} at {args.use_precomputed_alignments}...")
        os.listdir(os.path.join(args.use_precomputed_alignments, tag))  # OpenFold fails the same way without them
        if tag in fail_tags:
            raise ValueError(f"Could not parse the template hits of {tag} (test double)")
        logger.info(f"Running inference for {tag}...")
        t = time.perf_counter()
        if tag == os.environ.get("OPENFOLD_DOUBLE_OOM_TAG"):
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 14.75 GiB")
        if tag == os.environ.get("OPENFOLD_DOUBLE_KILL_TAG"):
            os.kill(os.getpid(), signal.SIGKILL)
        inference_time = time.perf_counter() - t
        logger.info(f"Inference time: {inference_time}")
        update_timings({tag: {"inference": inference_time}}, os.path.join(args.output_dir, "timings.json"))
        suffix = ".cif" if args.cif_output else ".pdb"
        unrelaxed = os.path.join(prediction_dir, f"{output_name}_unrelaxed{suffix}")
        shutil.copyfile(os.environ["OPENFOLD_DOUBLE_UNRELAXED"], unrelaxed)
        logger.info(f"Output written to {unrelaxed}...")
        if not args.skip_relaxation:
            relaxed = os.path.join(prediction_dir, f"{output_name}_relaxed{suffix}")
            shutil.copyfile(os.environ["OPENFOLD_DOUBLE_RELAXED"], relaxed)
            logger.info(f"Relaxed output written to {relaxed}...")


if __name__ == "__main__":
    main(parser().parse_args())
