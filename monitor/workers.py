"""Forked worker processes: each runs an async job over its share of the work and streams the
results back to the parent as they come. Stdlib only; imports nothing from monitor.

A poll is CPU-bound on a small machine (the HTTP client, XML, language detection, matching
cost about as much as the network on loopback), so a large poll runs its feeds in one process per
core: the parent besides committing, and forked workers. fork() hands each worker the parent's configuration, compiled rules
and language tables at no cost (copy-on-write; `gc.freeze` keeps the workers' collections from
touching, and so copying, those pages). The pipes give back-pressure: a worker waits while the
parent is busy committing, so results never pile up in memory.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import queue
import threading
import traceback
from typing import AsyncIterator, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT = 64  # results a worker may hold while the parent is busy

Job = Callable[[Sequence[T]], AsyncIterator[R]]


class WorkerError(RuntimeError):
    """A worker process failed: a bug (its traceback is in the message) or it was killed."""


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class SharedCursor:
    """0, 1, 2 … count-1, each handed out once across the processes forked after it was made.
    A process takes the next index when it is ready for more work, so the load balances
    itself: a process that also commits, or got slow feeds, simply takes fewer."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._next = multiprocessing.get_context("fork").Value("q", 0)

    def __iter__(self) -> Iterator[int]:
        while True:
            with self._next.get_lock():
                index = self._next.value
                if index >= self.count:
                    return
                self._next.value = index + 1
            yield index


async def fork_map(job: Job, shares: Sequence[Sequence[T]], *,
                   here: bool = True) -> AsyncIterator[R]:
    """Yield what `job(share)` yields, for every share, each share in its own forked process;
    with `here`, the first share runs in this process (one fork fewer: each process costs
    its own ~50 MB of interpreter, modules and tables).

    Raises WorkerError when a worker raises or dies (or the job raises here); the other
    workers are then stopped.
    """
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("fork")
    inbox: asyncio.Queue = asyncio.Queue()
    workers = []
    local = shares[0] if here and shares else None
    # Until the map ends, what exists now is left out of garbage collections, here and in the
    # workers: a full collection would walk (and in a worker, copy) every page of it.
    gc.freeze()
    try:
        for share in shares[1:] if local is not None else shares:
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(job, share, writer), daemon=True)
            process.start()
            writer.close()
            workers.append((process, reader))
    except BaseException:
        gc.unfreeze()
        raise
    for process, reader in workers:
        loop.add_reader(reader.fileno(), _receive, loop, reader, process, inbox)
    running = len(workers)
    mine = None
    if local is not None:
        mine = asyncio.ensure_future(_run_here(job, local, inbox))
        running += 1
    try:
        while running:
            kind, value = await inbox.get()
            if kind == "result":
                yield value
            elif kind == "done":
                running -= 1
            else:
                raise WorkerError(value)
    finally:
        gc.unfreeze()
        if mine is not None and not mine.done():
            mine.cancel()
            await asyncio.gather(mine, return_exceptions=True)
        for process, reader in workers:
            loop.remove_reader(reader.fileno())
            if running:  # a failure or an abandoned map: stop the others now
                process.terminate()
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()
            reader.close()


async def _run_here(job: Job, share: Sequence, inbox: asyncio.Queue) -> None:
    try:
        async for result in job(share):
            await inbox.put(("result", result))
    except Exception:
        await inbox.put(("error", f"the poll's own share failed:\n{traceback.format_exc()}"))
    else:
        await inbox.put(("done", None))


def _receive(loop: asyncio.AbstractEventLoop, reader, process, inbox: asyncio.Queue) -> None:
    try:
        message = reader.recv()
    except (EOFError, OSError):
        loop.remove_reader(reader.fileno())
        process.join(5)
        inbox.put_nowait(("error", f"worker process {process.pid} exited with code "
                          f"{process.exitcode} before it finished"))
        return
    if message[0] == "done":
        loop.remove_reader(reader.fileno())
    inbox.put_nowait(message)


def _work(job: Job, share: Sequence, writer) -> None:
    """The worker process: run the job on a fresh event loop, send each result, then "done".

    A thread sends, so the job keeps running while the parent is busy (committing, or working
    on its own feeds) and the pipe is full; at most IN_FLIGHT results wait in this process.
    """
    outbox: queue.Queue = queue.Queue(maxsize=IN_FLIGHT)

    def send_all() -> None:
        while True:
            message = outbox.get()
            writer.send(message)
            if message[0] != "result":
                return

    sender = threading.Thread(target=send_all, name="results", daemon=True)
    sender.start()
    try:
        async def run() -> None:
            loop = asyncio.get_running_loop()
            async for result in job(share):
                try:
                    outbox.put_nowait(("result", result))
                except queue.Full:  # the parent is behind: wait without blocking the loop
                    await loop.run_in_executor(None, outbox.put, ("result", result))

        asyncio.run(run())
        outbox.put(("done", None))
    except BaseException:
        outbox.put(("error", f"worker process {os.getpid()} failed:\n{traceback.format_exc()}"))
    finally:
        sender.join()
        writer.close()
