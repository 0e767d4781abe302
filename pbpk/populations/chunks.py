"""Chunked runs of virtual subjects, on this machine or on a ``dask.distributed`` cluster, with a progress bar.

A run is split into chunks, each a pure function of (task, index, size, seed): the seeds are spawned from one
``numpy.random.SeedSequence`` per run, so the results do not depend on the backend, the number of workers or the
order in which chunks finish. ``"local"`` runs the chunks one after the other in this process (the default);
``"dask"`` sends them to the scheduler at ``scheduler`` (an address) or to a two-worker local cluster, and yields
them as they are finished (each result carries its index).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from pbpk.core.errors import PbpkInputError

T = TypeVar("T")
BACKENDS = ("local", "dask")


def chunk_sizes(n: int, chunk: int) -> list[int]:
    """Sizes of the chunks of ``n`` subjects, ``chunk`` each and the remainder last."""
    return [chunk] * (n // chunk) + ([n % chunk] if n % chunk else [])


def run_chunks(work: Callable[..., T], task: object, sizes: Sequence[int], seeds: Sequence[np.random.SeedSequence],
               *, backend: str = "local", scheduler: str | None = None, progress: bool = False,
               desc: str = "subjects") -> Iterator[tuple[int, T]]:
    """(index, ``work(task, index, size, seed)``) for every chunk, in any order (see the module docstring)."""
    if backend not in BACKENDS:
        raise PbpkInputError("backend", "", backend, " or ".join(BACKENDS))
    bar = tqdm(total=int(sum(sizes)), unit="subject", desc=desc, disable=not progress, file=sys.stderr)
    if backend == "local":
        with bar:
            for index, (size, seed) in enumerate(zip(sizes, seeds, strict=True)):
                yield index, work(task, index, size, seed)
                bar.update(size)
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if scheduler else LocalCluster(n_workers=2, threads_per_worker=1, processes=False)
    client = Client(scheduler or cluster)
    try:
        shared = client.scatter(task, broadcast=True)
        futures = {client.submit(work, shared, index, size, seed, pure=False): index
                   for index, (size, seed) in enumerate(zip(sizes, seeds, strict=True))}
        for future in as_completed(futures):
            index = futures[future]
            result = future.result()
            future.release()
            bar.update(sizes[index])
            yield index, result
    finally:
        bar.close()
        client.close()
        if cluster is not None:
            cluster.close()
