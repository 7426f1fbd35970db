"""Moving slow work off the GUI thread: workers that run jobs in order and hand results back by signal.

A `Worker` owns one thread. Jobs run there one after the other; their result (or exception) comes back to the GUI
thread through a queued signal, where the success or failure callback runs, so callbacks may touch widgets and jobs
never do. The kiosk has three: the database writer (the only thread that writes the local database, so punches are
serialised), recognition and sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Done(Generic[T]):
    result: T | None
    error: BaseException | None
    on_success: Callable[[T], None] | None
    on_failure: Callable[[BaseException], None] | None


class Worker(QObject):
    """One worker thread with a queue of jobs; results come back on the GUI thread.

    Args:
        name: the thread's name (shows in logs and debuggers).
        on_failure: what to do with a job's exception when the job gave no failure callback of its own.
        parent: the Qt parent (the worker lives as long as it).
    """

    finished = Signal(object)  # a _Done, emitted on the worker thread and delivered queued to the GUI thread
    settled = Signal()  # every submitted job has been delivered

    def __init__(self, name: str, on_failure: Callable[[BaseException], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._default_failure = on_failure
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        """True while a job is queued, running or waiting for its callback."""
        return self._pending > 0

    def submit(
        self,
        job: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `job` on this worker's thread; then `on_success(result)` or `on_failure(error)` on the GUI thread."""
        if self._pool is None:
            log.warning("worker %s is closed; a job was dropped", self.name)
            return
        self._pending += 1

        def run() -> None:
            try:
                result = job()
            except BaseException as error:  # every failure must reach the GUI thread
                self.finished.emit(_Done(None, error, on_success, on_failure))
            else:
                self.finished.emit(_Done(result, None, on_success, on_failure))

        self._pool.submit(run)

    @Slot(object)
    def _deliver(self, done: _Done[Any]) -> None:
        self._pending -= 1
        try:
            if done.error is not None:
                (done.on_failure or self._default_failure)(done.error)
            elif done.on_success is not None:
                done.on_success(done.result)
        finally:
            if self._pending == 0:
                self.settled.emit()

    def close(self) -> None:
        """Finish the queued jobs and stop the thread (their callbacks no longer run)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
            log.info("worker %s stopped", self.name)
