"""CRC-64/NVME of each file named on the command line, base64 as S3 and OpenFold3's setup_openfold write it,
computed by awscrt (the library OpenFold3 0.5.0 compares its downloads with): {"<file>": "<base64>", ...}."""

import base64
import json
import sys

from awscrt import checksums

out = {}
for path in sys.argv[1:]:
    crc = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            crc = checksums.crc64nvme(chunk, crc)
    out[path] = base64.b64encode(crc.to_bytes(8, "big")).decode()
print(json.dumps(out))
