"""Prints OpenFold3's own token count of every query of a query JSON: {"<query>": tokens, ...}.

The reference for steps/split/tokens.ts (test/steps/split/tokens.test.ts): the atom array OpenFold3's
inference dataset builds (structure_with_ref_mols_from_query) tokenized by its tokenizer (tokenize_atom_array).
usage: python count_tokens.py QUERY.json
"""

import json
import logging
import sys

import numpy as np

logging.disable(logging.WARNING)

from openfold3.core.data.primitives.structure.query import structure_with_ref_mols_from_query  # noqa: E402
from openfold3.core.data.primitives.structure.tokenization import tokenize_atom_array  # noqa: E402
from openfold3.projects.of3_all_atom.config.inference_query_format import InferenceQuerySet  # noqa: E402


def main() -> None:
    query_set = InferenceQuerySet.from_json(sys.argv[1])
    counts = {}
    for name, query in query_set.queries.items():
        atom_array, _ = structure_with_ref_mols_from_query(query)
        tokenize_atom_array(atom_array)
        counts[name] = int(len(np.unique(atom_array.token_id)))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
