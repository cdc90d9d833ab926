"""translate.queue.TranslationQueue: translation off the event loop, concurrent requests merged."""

import asyncio
import threading
from datetime import datetime, timezone

from monitor.model import Item, Translation
from monitor.translate.queue import TranslationQueue

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


def item(key, language="ru"):
    return Item(feed="f", id=key, key=key, title=f"Заголовок {key}", summary="", link="",
                published_at=NOW, language=language)


class RecordingTranslator:
    """Translates by upper-casing; records each batch; the first batch can be held open."""

    def __init__(self, hold_first=False):
        self.batches = []
        self.release = threading.Event()
        self.started = threading.Event()
        if not hold_first:
            self.release.set()

    def translate_items(self, items, target):
        self.batches.append([i.key for i in items])
        self.started.set()
        self.release.wait(10)
        return {i.key: Translation(i.language, target, i.title.upper(), route="test")
                for i in items}


def test_requests_made_while_a_batch_runs_share_the_next_batch():
    translator = RecordingTranslator(hold_first=True)

    async def go():
        queue = TranslationQueue(lambda: translator, in_thread=True)
        first = asyncio.ensure_future(queue.translate([item("a")], "en"))
        while not translator.started.is_set():
            await asyncio.sleep(0.01)  # the loop is free while the model works
        later = [asyncio.ensure_future(queue.translate([item(k), item("a")], "en"))
                 for k in ("b", "c", "d")]
        await asyncio.sleep(0.05)
        translator.release.set()
        results = await asyncio.gather(first, *later)
        queue.close()
        return results

    results = asyncio.run(go())
    assert translator.batches == [["a"], ["b", "a", "c", "d"]]
    assert set(results[0]) == {"a"} and set(results[2]) == {"c", "a"}
    assert results[1]["b"].title == "ЗАГОЛОВОК B"


def test_a_failing_translator_gives_notes_not_exceptions():
    class Broken:
        def translate_items(self, items, target):
            raise RuntimeError("model file truncated")

    async def go():
        queue = TranslationQueue(Broken, in_thread=True)
        try:
            return await queue.translate([item("a"), item("b", language="en")], "en")
        finally:
            queue.close()

    out = asyncio.run(go())
    assert out["a"].title is None and "translation unavailable" in out["a"].note
    assert out["b"].route == "identity"


def test_the_translator_is_looked_up_per_batch_so_a_reload_takes_effect():
    current = [RecordingTranslator()]

    async def go():
        queue = TranslationQueue(lambda: current[0], in_thread=False)
        await queue.translate([item("a")], "en")
        current[0] = RecordingTranslator()
        await queue.translate([item("b")], "en")

    first = current[0]
    asyncio.run(go())
    assert first.batches == [["a"]] and current[0].batches == [["b"]]
