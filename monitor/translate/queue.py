"""The translation queue: runs the blocking translator off the event loop and merges the
requests of concurrent feed checks into one batch per target language (pipeline → here →
a Translator)."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from monitor.model import Item, Translation
from monitor.translate import Translator, UnavailableTranslator

log = logging.getLogger(__name__)


class TranslationQueue:
    """Runs the translator (blocking: a real model takes seconds per batch) so the event loop
    keeps fetching meanwhile, and merges requests: everything asked for while a batch runs —
    the daemon's concurrent feed checks — goes into the next single batch.

    A failing translator never fails a poll: its items get an "unavailable" note.
    """

    def __init__(self, translator: Callable[[], Translator], *, in_thread: bool) -> None:
        self._translator = translator  # read per batch: a config reload may replace it
        self.in_thread = in_thread
        self._pending: list[tuple[list[Item], str, asyncio.Future]] = []
        self._worker: asyncio.Task | None = None
        self._executor = None

    async def translate(self, items: list[Item], target: str) -> dict[str, Translation]:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((items, target, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            for target in dict.fromkeys(t for _, t, _ in batch):
                requests = [(items, f) for items, t, f in batch if t == target]
                unique = list({i.key: i for items, _ in requests for i in items}.values())
                result = await self._run_one(unique, target)
                for items, future in requests:
                    if not future.done():
                        future.set_result({i.key: result[i.key] for i in items
                                           if i.key in result})

    async def _run_one(self, items: list[Item], target: str) -> dict[str, Translation]:
        translator = self._translator()
        try:
            if not self.in_thread:
                return translator.translate_items(items, target)
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(1, thread_name_prefix="translate")
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, translator.translate_items, items, target)
        except Exception:  # a broken model must never stop polling or delivery
            log.exception("Translation failed; alerts go out untranslated",
                          extra={"fields": {"items": len(items)}})
            return UnavailableTranslator("the translator failed").translate_items(items, target)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
