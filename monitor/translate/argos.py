"""An installed Argos package run by CTranslate2 directly: sentences in, sentences out. I/O.

Argos provides the package format and the tokenizer; we run the model ourselves, because
`argostranslate.translate` splits sentences with MiniSBD (it downloads a model on first use),
translates one paragraph per `translate_batch`, and uses beam 4 with a token-sized batch.
Here one call takes every sentence of a poll. ctranslate2 is imported on first use only, so
`monitor poll` without models never pays for it. Threads are set explicitly: with CT2's
default policy a busy 2-core machine ran the same batch 200-300× slower
(shared/ref/translation.md §2).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Sequence

from monitor.errors import TranslationError
from monitor.translate.packages import InstalledPackage, argos_settings

log = logging.getLogger(__name__)

MAX_BATCH_SENTENCES = 32
MAX_DECODING_TOKENS = 512


def _ctranslate2():
    if "ctranslate2" not in sys.modules:
        # libgomp reads this when it loads: idle OpenMP threads must not spin on a shared box.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import ctranslate2

    return ctranslate2


class ArgosModel:
    """One package's CTranslate2 translator and tokenizer, loaded on first use and kept."""

    def __init__(self, package: InstalledPackage, *, device: str = "cpu", beam_size: int = 2,
                 intra_threads: int = 1) -> None:
        self.package = package
        self.device = device
        self.beam_size = beam_size
        self.intra_threads = intra_threads
        self._translator = None
        self._tokenizer = None
        self._sp = None

    @property
    def label(self) -> str:
        return f"{self.package.from_code}→{self.package.to_code} ({self.package.path})"

    def load(self) -> None:
        """Raises TranslationError when the package cannot be loaded."""
        if self._translator is not None:
            return
        started = time.monotonic()
        try:
            ct2 = _ctranslate2()
            with argos_settings(package_data_dir=self.package.path.parent):
                from argostranslate.package import Package

                tokenizer = Package(self.package.path).tokenizer
            device = self.device
            if device == "auto":
                device = "cuda" if ct2.get_cuda_device_count() > 0 else "cpu"
            # int8 on CPU (as Argos's own packages are quantized); on a GPU let CTranslate2
            # pick what the card supports (int8_float16 needs compute capability >= 7).
            compute_type = "int8" if device == "cpu" else "auto"
            translator = ct2.Translator(str(self.package.path / "model"), device=device,
                                        compute_type=compute_type, inter_threads=1,
                                        intra_threads=self.intra_threads)
        except TranslationError:
            raise
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError; Argos, anything
            raise TranslationError(f"model {self.label}: cannot be loaded: "
                                   f"{type(exc).__name__}: {exc}") from exc
        self._translator, self._tokenizer = translator, tokenizer
        self._sp = getattr(tokenizer, "lazy_processor", None)
        log.info("Translation model loaded", extra={"fields": {
            "pair": self.package.pair, "version": self.package.version, "device": device,
            "elapsed_ms": round((time.monotonic() - started) * 1000)}})

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """One `translate_batch` for all sentences; output i is the translation of input i."""
        if not sentences:
            return []
        self.load()
        try:
            tokens = [self._tokenizer.encode(s) for s in sentences]
            prefix = self.package.target_prefix
            longest = max(len(t) for t in tokens)
            results = self._translator.translate_batch(
                tokens, target_prefix=[[prefix]] * len(tokens) if prefix else None,
                beam_size=self.beam_size, max_batch_size=MAX_BATCH_SENTENCES,
                batch_type="examples", replace_unknowns=True,
                max_decoding_length=min(MAX_DECODING_TOKENS, 2 * longest + 16))
            return [self._decode(r.hypotheses[0], prefix) for r in results]
        except Exception as exc:
            raise TranslationError(f"model {self.label}: translation failed: "
                                   f"{type(exc).__name__}: {exc}") from exc

    def _decode(self, pieces: list[str], prefix: str) -> str:
        if prefix and pieces and pieces[0] == prefix:
            pieces = pieces[1:]
        if self._sp is not None:
            # Argos's own decode also turns '_' into spaces, which breaks names and URLs.
            text = self._sp().decode_pieces(pieces).replace("\u2581", " ")
        else:
            text = self._tokenizer.decode(pieces)
        return " ".join(text.split())
