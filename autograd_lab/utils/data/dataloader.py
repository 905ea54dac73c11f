"""``DataLoader``: batches of a dataset, shuffled with PyTorch's random numbers.

Every pass draws what PyTorch's loader draws, in the same order: a worker base seed
from ``generator`` (or the default generator) when the pass starts, then, for
``shuffle=True`` without a generator, the sampler's own seed. So after
``torch.manual_seed(n)`` the batches, and every random number drawn after the loop,
equal PyTorch's.

``num_workers > 0`` is accepted, but samples are loaded in this process: a dataset
that draws random numbers in ``__getitem__`` draws them from the default generator,
not from per-worker generators seeded ``base_seed + worker_id`` as in PyTorch.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Callable, Iterable, Iterator

from ..._generator import Generator
from ...nn._typename import TorchRepr
from ._collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, random_seed

__all__ = ["DataLoader", "get_worker_info"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def get_worker_info() -> None:
    """None: samples are always loaded in the main process here."""
    return None


class DataLoader(TorchRepr):
    """Iterate over ``dataset`` in batches of ``batch_size`` (shuffled each pass with ``shuffle=True``)."""

    _initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable[int] | None = None,
                 batch_sampler: Sampler | Iterable[list[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset, self.num_workers, self.prefetch_factor = dataset, num_workers, prefetch_factor
        self.pin_memory, self.pin_memory_device, self.timeout = pin_memory, pin_memory_device, timeout
        self.worker_init_fn, self.multiprocessing_context, self.in_order = worker_init_fn, multiprocessing_context, \
            in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, but got "
                                 f"batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self.persistent_workers = persistent_workers
        self._initialized = True
        self._warn_about_workers()

    def __setattr__(self, name: str, value: Any) -> None:
        if self._initialized and name in _FIXED_AFTER_INIT:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def _warn_about_workers(self) -> None:
        """PyTorch's warning when more workers are asked for than the machine has cores."""
        if not self.num_workers:
            return
        checked = hasattr(os, "sched_getaffinity")
        suggested = len(os.sched_getaffinity(0)) if checked else os.cpu_count()
        if suggested is None or self.num_workers > suggested:
            advice = ("DataLoader is not able to compute a suggested max number of worker in current system."
                      if suggested is None else
                      f"Our suggested max number of worker in current system is {suggested}"
                      f"{'' if checked else ' (`cpuset` is not taken into account)'}, which is smaller than what "
                      "this DataLoader is going to create.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {advice} Please "
                          "be aware that excessive worker creation might get DataLoader running slow or even freeze, "
                          "lower the worker number to avoid potential slowness/freeze if necessary.",
                          UserWarning, stacklevel=3)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __iter__(self) -> "_SingleProcessDataLoaderIter":
        if self.num_workers > 0:
            return _MultiProcessingDataLoaderIter(self)
        return _SingleProcessDataLoaderIter(self)

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(TorchRepr):
    """One pass over a DataLoader: fetches each batch of indices from the dataset and collates it."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._dataset = loader.dataset
        self._collate = loader.collate_fn
        self._batched = loader._auto_collation
        if loader._iterable:
            self._stream: Iterator[Any] | None = iter(loader.dataset)
            self._indices: Iterator[Any] | None = None
        else:
            self._stream = None
            self._indices = iter(loader._index_sampler)
        self._base_seed = random_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self) -> "_SingleProcessDataLoaderIter":
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        data = self._next_stream_batch() if self._stream is not None else self._next_map_batch()
        self._num_yielded += 1
        return data

    def _next_map_batch(self) -> Any:
        index = next(self._indices)  # type: ignore[arg-type]
        if not self._batched:
            return self._collate(self._dataset[index])
        getitems = getattr(self._dataset, "__getitems__", None)
        samples = getitems(index) if getitems else [self._dataset[i] for i in index]
        return self._collate(samples)

    def _next_stream_batch(self) -> Any:
        if not self._batched:
            return self._collate(next(self._stream))  # type: ignore[arg-type]
        samples = []
        for _ in range(self._loader.batch_size):  # type: ignore[arg-type]
            try:
                samples.append(next(self._stream))  # type: ignore[arg-type]
            except StopIteration:
                break
        if not samples or (self._loader.drop_last and len(samples) < self._loader.batch_size):
            raise StopIteration
        return self._collate(samples)


class _MultiProcessingDataLoaderIter(_SingleProcessDataLoaderIter):
    """What ``iter(loader)`` is with ``num_workers > 0`` (PyTorch's name); it loads in this process too."""
