"""monitor: a multilingual news monitor with alerts."""

import os as _os

# onnxruntime (imported by argostranslate when a model package is installed) sends telemetry
# from the moment it is imported; this must be set before any import of it. A user's own
# setting wins.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
