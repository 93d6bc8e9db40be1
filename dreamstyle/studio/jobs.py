"""The studio's queue: jobs run one at a time on the device, in an order the page may change.

A job's work (:mod:`.work`) reports progress and a preview through its
:class:`JobControl`, and ends early when :meth:`JobControl.check` finds Stop
was pressed. The preview is kept as a small tensor and made a JPEG only when
the browser asks, so a slow browser never slows the run.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from PIL import Image

from ..errors import DreamstyleError
from ..imaging.read import as_picture
from ..imaging.resizing import fit_longest_side
from ..imaging.write import encode_image
from ..runs import RunStopped, snapshot

PREVIEW_SIDE = 384
# A person cannot follow more; and each preview copy waits for the device.
REPORTS_PER_SECOND = 4.0
MAX_QUEUED = 16

log = logging.getLogger("dreamstyle.studio")


class QueueError(DreamstyleError, ValueError):
    """A request the queue cannot carry out: full, or the job not in a state for it."""


class NoSuchJob(QueueError, LookupError):
    """The queue has no job of that id."""


class Work(Protocol):
    """What a job does: :mod:`.work`'s job kinds."""

    kind: str
    title: str

    def run(self, control: "JobControl") -> dict[str, Any]:
        """Do the work, reporting through ``control``; return what the page shows of the result."""


@dataclass
class Preview:
    """The latest picture of a running job: a small tensor, and its JPEG once asked for."""

    version: int = 0
    image: torch.Tensor | None = None
    encoded: tuple[int, bytes] | None = None

    def jpeg(self) -> bytes | None:
        if self.image is None:
            return None
        if self.encoded is None or self.encoded[0] != self.version:
            self.encoded = (self.version, encode_image(as_picture(self.image[0]), "JPEG", None))
        return self.encoded[1]


@dataclass
class Job:
    """One request of the page, from the queue to its result."""

    id: int
    work: Work
    state: str = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_setting: str | None = None  # the setting ``error`` is about, for the page to mark its field
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    preview: Preview = field(default_factory=Preview)
    stop_requested: threading.Event = field(default_factory=threading.Event)

    def public(self) -> dict[str, Any]:
        """What the page is told of the job (JSON values)."""
        return {"id": self.id, "kind": self.work.kind, "title": self.work.title, "state": self.state,
                "progress": self.progress, "result": self.result, "error": self.error,
                "error_setting": self.error_setting,
                "preview": self.preview.version, "created": self.created, "started": self.started,
                "finished": self.finished}


class JobControl:
    """A running job's side of the queue: progress in, Stop out."""

    def __init__(self, job: Job, changed: Callable[[], None]):
        self.job, self._changed = job, changed
        self._last_report = 0.0

    def check(self) -> None:
        """Raise :class:`RunStopped` once Stop was pressed."""
        if self.job.stop_requested.is_set():
            raise RunStopped

    @property
    def stopping(self) -> bool:
        return self.job.stop_requested.is_set()

    def due(self) -> bool:
        """Whether a progress report now is worth its cost (at most :data:`REPORTS_PER_SECOND`)."""
        now = time.monotonic()
        if now - self._last_report < 1.0 / REPORTS_PER_SECOND:
            return False
        self._last_report = now
        return True

    def report(self, progress: dict[str, Any], image: torch.Tensor | Image.Image | None = None) -> None:
        """Tell the page where the job is; ``image`` ((N, 3, H, W) in [0, 1], or Pillow) becomes the preview."""
        self.job.progress = progress
        if image is not None:
            if isinstance(image, Image.Image):
                image = as_picture(image).batch()
            height, width = image.shape[-2:]
            small = fit_longest_side(height, width, min(PREVIEW_SIDE, max(height, width)))
            self.job.preview.image = snapshot(image[:1], small).cpu()
            self.job.preview.version += 1
        self._changed()


class JobQueue:
    """Jobs in order; one worker thread runs them one at a time.

    Args:
        limit: the most jobs waiting at once; more are refused until some finish or are removed.
    """

    def __init__(self, limit: int = MAX_QUEUED):
        self.limit = limit
        self._jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._version = 0
        self._closing = False
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._run_jobs, name="dreamstyle-studio-worker", daemon=True)
            self._worker.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop the running job (it keeps its picture so far), leave the rest, and end the worker."""
        with self._lock:
            self._closing = True
            for job in self._jobs:
                if job.state == "running":
                    job.stop_requested.set()
            self._lock.notify_all()
        if self._worker is not None:
            self._worker.join(timeout)

    @property
    def version(self) -> int:
        """Grows whenever anything the page shows of the queue changes."""
        return self._version

    def _changed(self) -> None:
        with self._lock:
            self._version += 1
            self._lock.notify_all()

    def submit(self, work: Work) -> Job:
        with self._lock:
            waiting = sum(1 for job in self._jobs if job.state == "queued")
            if waiting >= self.limit:
                raise QueueError(f"the queue is full ({waiting} jobs waiting); remove some or wait for them")
            job = Job(next(self._ids), work)
            self._jobs.append(job)
        self._changed()
        return job

    def get(self, job_id: int) -> Job:
        with self._lock:
            for job in self._jobs:
                if job.id == job_id:
                    return job
        raise NoSuchJob(f"job {job_id}: no such job")

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the page shows: running and waiting ones in order, then the finished, newest first."""
        with self._lock:
            live = [job for job in self._jobs if job.state in ("queued", "running")]
            ended = sorted((job for job in self._jobs if job.state not in ("queued", "running")),
                           key=lambda job: job.finished or 0, reverse=True)
            return [job.public() for job in live + ended]

    def stop(self, job_id: int) -> Job:
        """Stop a running job (it keeps what it made) or take a waiting one off the queue."""
        job = self.get(job_id)
        with self._lock:
            if job.state == "running":
                job.stop_requested.set()
            elif job.state == "queued":
                job.state, job.finished = "stopped", time.time()
            else:
                raise QueueError(f"job {job_id} has already ended ({job.state})")
        self._changed()
        return job

    def remove(self, job_id: int) -> None:
        """Forget a waiting or ended job (a running one must be stopped first)."""
        job = self.get(job_id)
        with self._lock:
            if job.state == "running":
                raise QueueError(f"job {job_id} is running; stop it first")
            self._jobs.remove(job)
        self._changed()

    def clear_ended(self) -> None:
        """Forget every job that has ended (done, stopped or failed)."""
        with self._lock:
            self._jobs = [job for job in self._jobs if job.state in ("queued", "running")]
        self._changed()

    def move(self, job_id: int, position: int) -> None:
        """Put a waiting job at ``position`` (0: next) among the waiting ones."""
        job = self.get(job_id)
        with self._lock:
            if job.state != "queued":
                raise QueueError(f"job {job_id} is not waiting ({job.state}); only waiting jobs move")
            waiting = [other for other in self._jobs if other.state == "queued" and other is not job]
            position = max(0, min(int(position), len(waiting)))
            waiting.insert(position, job)
            rest = [other for other in self._jobs if other.state != "queued"]
            self._jobs = rest + waiting
        self._changed()

    def _next(self) -> Job | None:
        with self._lock:
            while not self._closing:
                for job in self._jobs:
                    if job.state == "queued":
                        job.state, job.started = "running", time.time()
                        self._changed()  # the lock is reentrant
                        return job
                self._lock.wait()
            return None

    def _run_jobs(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.result = job.work.run(JobControl(job, self._changed))
                job.state = "stopped" if job.stop_requested.is_set() else "done"
            except RunStopped:
                job.state = "stopped"
            except DreamstyleError as error:
                job.state, job.error, job.error_setting = "failed", str(error), error.setting
            except Exception as error:  # the server must outlive any job; the page gets one line
                log.exception("job %d failed", job.id)
                job.state, job.error = "failed", f"{type(error).__name__}: {error}"
            job.finished = time.time()
            self._changed()
