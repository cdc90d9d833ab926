"""fork_map: shares of work in forked processes, results streamed back, failures surfaced."""

import asyncio
import os

import pytest

from monitor.workers import WorkerError, fork_map


def collect(job, shares, here=False):
    async def go():
        return [r async for r in fork_map(job, shares, here=here)]
    return asyncio.run(go())


async def squares(share):
    for n in share:
        await asyncio.sleep(0)
        yield (os.getpid(), n * n)


def test_fork_map_yields_every_result_of_every_share_from_its_own_process():
    results = collect(squares, [[1, 2, 3], [4, 5], [6]])
    assert sorted(n for _, n in results) == [1, 4, 9, 16, 25, 36]
    pids = {pid for pid, _ in results}
    assert len(pids) == 3 and os.getpid() not in pids


def test_fork_map_runs_the_first_share_here_when_asked():
    results = collect(squares, [[1, 2], [3], [4]], here=True)
    by_pid = {}
    for pid, n in results:
        by_pid.setdefault(pid, []).append(n)
    assert by_pid.pop(os.getpid()) == [1, 4]
    assert sorted(by_pid.values()) == [[9], [16]]


def test_fork_map_workers_see_the_parents_state_as_it_was_at_the_fork():
    table = {"loaded": "in the parent"}

    async def job(share):
        for key in share:
            yield table[key]

    assert collect(job, [["loaded"]]) == ["in the parent"]


async def breaks(share):
    for n in share:
        if n == 2:
            raise ValueError("bad item 2")
        yield n


@pytest.mark.parametrize("here", [False, True], ids=["in-a-worker", "here"])
def test_a_share_that_raises_fails_the_map_with_its_traceback(here):
    shares = [[2, 3], [1]] if here else [[1], [2, 3]]
    with pytest.raises(WorkerError, match="(?s)ValueError: bad item 2"):
        collect(breaks, shares, here=here)


async def dies(share):
    yield share[0]
    os._exit(3)


def test_a_worker_that_dies_fails_the_map():
    with pytest.raises(WorkerError, match="exited with code 3"):
        collect(dies, [[1, 2]])


def test_results_can_be_large_and_many():
    async def job(share):
        for n in share:
            yield bytes([n % 256]) * 200_000  # several times a pipe's buffer

    results = collect(job, [list(range(20)), list(range(20, 40))])
    assert sorted(r[0] for r in results) == list(range(40))


def test_a_shared_cursor_hands_out_each_index_once_across_processes():
    import multiprocessing

    from monitor.workers import SharedCursor

    cursor = SharedCursor(300)
    start = multiprocessing.get_context("fork").Barrier(3)

    async def job(shared):
        start.wait(30)  # every process is running before any takes an index
        for index in shared:
            await asyncio.sleep(0.001)
            yield (os.getpid(), index)

    results = collect(job, [cursor] * 3, here=True)
    assert sorted(i for _, i in results) == list(range(300))
    assert len({pid for pid, _ in results}) == 3  # the work was shared
