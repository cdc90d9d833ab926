"""monitor: a multilingual news monitor with alerts."""

import os as _os
import sys as _sys

# onnxruntime sends telemetry from the moment it is imported. monitor never imports it (nor
# argostranslate.translate, which would), but should anything else, this must be set before
# that import. A user's own setting wins.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# numpy's bundled OpenBLAS starts a thread per core when numpy is imported, and they spin:
# `import numpy` took 137 ms of CPU instead of 82 on this 2-core machine, in every process
# (a `monitor poll` starts one). monitor's numpy work (the language detector's n-gram scores:
# bincount, searchsorted, sort) never calls BLAS. A user's own setting wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# httpx tries to import its command-line client (httpx._main), which imports click, pygments
# and rich; where the web and test dependencies installed some of them, that cost about 10 ms
# of CPU (46 M instructions) at every start, even when the import then failed, for a client
# monitor never runs. None in sys.modules makes that import fail, and httpx falls back to the
# `main` it defines for an install without its `cli` extra (tests/unit/test_package_start.py
# pins both).
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
