"""monitor: a multilingual news monitor with alerts."""

import os as _os

# onnxruntime sends telemetry from the moment it is imported. monitor never imports it (nor
# argostranslate.translate, which would), but should anything else, this must be set before
# that import. A user's own setting wins.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
