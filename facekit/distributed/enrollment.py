"""Bulk enrollment split into one arq job per person, run by workers on any number of hosts.

The coordinator (`enroll_with_queue`, `facekit enroll --queue`) checks the input, makes
sure the group exists, reads its persons once, and enqueues one job per person with a
stable job id (the target and the person's tag): running it twice, or on two machines at
once, does not double the work. Workers (`facekit worker`, or your own arq worker with
`enroll_person` and `worker_startup`) run the jobs under one shared rate limit on Redis.
A worker killed mid-job leaves the job to arq, which runs it again on another worker once
its in-progress mark expires (the job timeout + 10 s); exactly once holds through the
service-side tags, as in a single process: the retried job scans the group afresh and
waits out the writes the dead worker may still have in flight before it sends anything.

Progress is counted in a Redis hash per run, so the coordinator shows one bar for all the
workers, and it sums the jobs' reports into the same EnrollmentReport a single process
prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.jobs import Job, JobStatus
from arq.worker import Function, func

from ..auth import KeyCredential
from ..bulk import (
    EnrollmentPlan,
    EnrollmentProgress,
    EnrollmentReport,
    ImageFailure,
    SettlePolicy,
    binding_for,
    plan_people,
)
from ..bulk.engine import Engine, PersonEnrollment
from ..bulk.journal import Journal, JournalBinding
from ..bulk.plan import PlannedImage, PlannedOwner, person_tag
from ..bulk.report import Tally
from ..bulk.steps import ensure_container, train_target
from ..bulk.views import GroupPersons
from ..client import FaceClient
from ..errors import FaceError, FaceValidationError
from ..models import Person
from ..models.enums import DetectionModel, RecognitionModel
from ..models.names import DetectionModelName, RecognitionModelName
from .limiter import RedisRateLimiter

__all__ = [
    "JOB_FUNCTION",
    "QUEUE_NAME",
    "EnrollmentRun",
    "enqueue_enrollment",
    "enroll_person",
    "enroll_with_queue",
    "person_job_id",
    "wait_for_enrollment",
    "worker_settings",
    "worker_shutdown",
    "worker_startup",
]

logger = logging.getLogger("facekit.distributed")

#: The arq queue facekit's enrollment jobs go to.
QUEUE_NAME = "facekit:enroll"
#: The name of the job function in the worker.
JOB_FUNCTION = "facekit_enroll_person"
#: Version of the job spec; a worker refuses specs it does not know.
SPEC_VERSION = 1
#: Default seconds one person's job may take before arq cancels and retries it.
JOB_TIMEOUT = 600.0
_PROGRESS_TTL = 7 * 24 * 3600


def person_job_id(binding: JournalBinding, person: str) -> str:
    """The stable arq job id of one person's enrollment into one target."""
    target = hashlib.sha256(
        f"{binding.endpoint}\x1f{binding.api_path}\x1f{binding.target}".encode()
    ).hexdigest()[:16]
    return f"facekit:enroll:{target}:{person_tag(person)}"


def _spec_image(image: PlannedImage) -> list[str]:
    if isinstance(image.source, bytes):
        raise FaceValidationError(
            "people",
            f"{image.label}: jobs carry file paths or URLs (workers read the images "
            "themselves), not bytes",
        )
    source = str(Path(image.source).resolve()) if isinstance(image.source, Path) else image.source
    return [image.key, image.label, source, image.tag]


@attrs.frozen(kw_only=True)
class EnrollmentRun:
    """What a coordinator enqueued: the run's id (for progress) and its jobs."""

    run_id: str
    binding: JournalBinding
    group_id: str
    large: bool
    job_ids: dict[str, str]
    plan: EnrollmentPlan
    persons_found: int = 0

    @property
    def progress_key(self) -> str:
        """The Redis hash where the run's jobs count their images."""
        return f"facekit:enroll-progress:{self.run_id}"


async def enqueue_enrollment(
    pool: ArqRedis,
    face: FaceClient,
    group_id: str,
    people: Mapping[str, Any] | str | os.PathLike[str] | EnrollmentPlan,
    *,
    large: bool = False,
    create: bool = True,
    group_name: str | None = None,
    recognition_model: RecognitionModelName | RecognitionModel | None = None,
    detection_model: DetectionModelName | DetectionModel | None = None,
    retry_failed: bool = False,
    settle_window: float | None = None,
) -> EnrollmentRun:
    """Check the input, make sure the group exists, and enqueue one job per person.

    Job ids are stable: a person whose job is queued or running already (another
    coordinator, an earlier run still going) is not enqueued twice; the finished result
    of an earlier run is cleared so that the person is checked again.
    """
    plan = people if isinstance(people, EnrollmentPlan) else plan_people(people)
    SettlePolicy(window=settle_window)  # checks it before anything is sent
    specs = [[_spec_image(image) for image in owner.images] for owner in plan.owners]
    resource = face.large_person_groups if large else face.person_groups
    collection = "largepersongroups" if large else "persongroups"
    binding = binding_for(face, collection, group_id)
    await ensure_container(
        resource,
        group_id,
        create=create,
        name=group_name,
        recognition_model=recognition_model,
        policy=SettlePolicy(),
    )
    # One scan for every job: a job of a person already there starts from its id.
    engine = Engine.for_client(
        face,
        journal=Journal(None, binding),
        policy=SettlePolicy(window=settle_window),
        tally=Tally(),
    )
    persons = PersonEnrollment(engine, GroupPersons(resource, group_id))
    async with engine.slot() as slot:
        await persons.prepare(slot)
    run_id = uuid.uuid4().hex
    job_ids: dict[str, str] = {}
    found = 0
    for owner, images in zip(plan.owners, specs, strict=True):
        known = persons.index.find(person_tag(owner.name))
        found += bool(known)
        spec = {
            "v": SPEC_VERSION,
            "run": run_id,
            "endpoint": binding.endpoint,
            "api_path": binding.api_path,
            "group": group_id,
            "large": large,
            "person": owner.name,
            "person_id": known[0].person_id if known else None,
            "face_ids": list(known[0].persisted_face_ids) if known else None,
            "images": images,
            "detection_model": detection_model,
            "retry_failed": retry_failed,
            "settle_window": settle_window,
        }
        job_id = person_job_id(binding, owner.name)
        job_ids[owner.name] = job_id
        job = Job(job_id, pool, _queue_name=QUEUE_NAME)
        if await job.status() == JobStatus.complete:
            await pool.delete(f"arq:result:{job_id}")
        await pool.enqueue_job(JOB_FUNCTION, spec, _job_id=job_id, _queue_name=QUEUE_NAME)
    return EnrollmentRun(
        run_id=run_id,
        binding=binding,
        group_id=group_id,
        large=large,
        job_ids=job_ids,
        plan=plan,
        persons_found=found,
    )


async def wait_for_enrollment(
    pool: ArqRedis,
    face: FaceClient,
    run: EnrollmentRun,
    *,
    train: bool = False,
    progress: Callable[[EnrollmentProgress], object] | None = None,
    poll: float = 0.5,
) -> EnrollmentReport:
    """Wait for every job of `run`, showing progress from Redis; sum their reports.

    A job that failed for good (arq gave up on it) leaves its person's images pending,
    with the reason, for the next run.
    """
    started = time.monotonic()
    pending = dict(run.job_ids)
    results: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    while pending:
        for person, job_id in list(pending.items()):
            job = Job(job_id, pool, _queue_name=QUEUE_NAME)
            info = await job.result_info()
            if info is None:
                if await job.status() == JobStatus.not_found:
                    failed[person] = "the job vanished from the queue"
                    del pending[person]
                continue
            del pending[person]
            if info.success and isinstance(info.result, dict):
                results[person] = info.result
            else:
                failed[person] = f"the job failed: {info.result!r}"[:300]
        if progress is not None:
            progress(await _progress(pool, run, len(run.job_ids) - len(pending)))
        if pending:
            await asyncio.sleep(poll)
    tally = Tally(persons_total=len(run.plan.owners), images_total=run.plan.images_total)
    for owner in run.plan.owners:
        result = results.get(owner.name)
        if result is None:
            _fail_person(tally, owner, failed.get(owner.name, "no result"))
            continue
        for field in (
            "persons_created", "persons_found", "persons_failed", "added", "found",
            "settled", "duplicates_removed",
        ):  # fmt: skip
            setattr(tally, field, getattr(tally, field) + int(result.get(field, 0)))
        tally.failures.extend(ImageFailure(**failure) for failure in result.get("failures", []))
    tally.persons_done = len(run.plan.owners)
    training, training_error = None, None
    if train:
        resource = face.large_person_groups if run.large else face.person_groups
        training, training_error = await train_target(resource, run.group_id)
    with contextlib.suppress(Exception):
        await pool.delete(run.progress_key)
    return tally.report(training, time.monotonic() - started, None, training_error)


def _fail_person(tally: Tally, owner: PlannedOwner, reason: str) -> None:
    tally.persons_failed += 1
    for image in owner.images:
        tally.failures.append(
            ImageFailure(
                person=owner.name,
                image=image.label,
                code="JobFailed",
                reason=reason,
                kind="pending",
            )
        )


async def _progress(pool: ArqRedis, run: EnrollmentRun, persons_done: int) -> EnrollmentProgress:
    counts: dict[bytes, bytes] = await pool.hgetall(run.progress_key)  # type: ignore[misc]
    done = int(counts.get(b"images_done", 0))
    failed = int(counts.get(b"images_failed", 0))
    return EnrollmentProgress(
        persons_total=len(run.plan.owners),
        persons_done=persons_done,
        images_total=run.plan.images_total,
        images_done=min(done, run.plan.images_total),
        images_failed=min(failed, run.plan.images_total),
    )


async def enroll_with_queue(
    redis_url: str,
    face: FaceClient,
    group_id: str,
    people: Mapping[str, Any] | str | os.PathLike[str] | EnrollmentPlan,
    *,
    large: bool = False,
    train: bool = False,
    progress: Callable[[EnrollmentProgress], object] | None = None,
    **options: Any,
) -> EnrollmentReport:
    """Enqueue one job per person on the queue at `redis_url`, wait, and report.

    Workers (`facekit worker --queue URL`) must be running, configured for the same Face
    resource; the report is the one a single-process `enroll_people` would give.
    """
    pool = await create_pool(redis_settings(redis_url))
    try:
        run = await enqueue_enrollment(pool, face, group_id, people, large=large, **options)
        return await wait_for_enrollment(pool, face, run, train=train, progress=progress)
    finally:
        await pool.aclose()


def redis_settings(url: str) -> RedisSettings:
    """The arq settings of a redis:// URL (a clear facekit error for anything else)."""
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise FaceValidationError("queue", "must be a redis://, rediss:// or unix:// URL")
    try:
        return RedisSettings.from_dsn(url)
    except (ValueError, RuntimeError):
        raise FaceValidationError("queue", "is not a usable Redis URL") from None


# -- the worker side ----------------------------------------------------------------------


async def enroll_person(ctx: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The arq job: enroll one person's images exactly once; returns its counts.

    `ctx["facekit"]` is the worker's FaceClient (see `worker_startup`); it must talk to
    the resource the job names.
    """
    face: FaceClient = ctx["facekit"]
    if spec.get("v") != SPEC_VERSION:
        raise FaceValidationError("job", f"unknown job spec version {spec.get('v')!r}")
    group_id, large = spec["group"], bool(spec["large"])
    collection = "largepersongroups" if large else "persongroups"
    binding = binding_for(face, collection, group_id)
    if (binding.endpoint, binding.api_path) != (spec["endpoint"], spec["api_path"]):
        raise FaceValidationError(
            "job",
            f"this worker talks to {binding.endpoint}{binding.api_path}, the job to "
            f"{spec['endpoint']}{spec['api_path']}",
        )
    policy = SettlePolicy(window=spec.get("settle_window"))
    tally = Tally(persons_total=1)
    engine = Engine.for_client(
        face,
        journal=Journal(None, binding),
        policy=policy,
        tally=tally,
        detection_model=spec.get("detection_model"),
        retry_failed=bool(spec.get("retry_failed")),
    )
    owner = PlannedOwner(
        name=spec["person"],
        images=tuple(
            PlannedImage(
                key=key,
                label=label,
                source=source if source.startswith(("http://", "https://")) else Path(source),
                tag=tag,
            )
            for key, label, source, tag in spec["images"]
        ),
    )
    tally.images_total = len(owner.images)
    resource = face.large_person_groups if large else face.person_groups
    persons = PersonEnrollment(engine, GroupPersons(resource, group_id))
    retried = int(ctx.get("job_try", 1)) > 1
    if retried:
        # An earlier try of this job died with writes in flight: they may land until
        # the request timeout plus the settle window have passed; then scan afresh.
        await asyncio.sleep(face.timeout + engine.window)
    elif spec.get("person_id"):
        persons.index.add(
            person_tag(owner.name),
            Person(
                person_id=spec["person_id"],
                user_data=person_tag(owner.name),
                persisted_face_ids=list(spec.get("face_ids") or []),
            ),
        )
    pool: ArqRedis | None = ctx.get("redis")
    progress_key = f"facekit:enroll-progress:{spec['run']}"
    reported = {"done": 0, "failed": 0}

    async def push_progress() -> None:
        if pool is None:
            return
        now = tally.progress()
        done, failed = now.images_done, now.images_failed
        delta_done, delta_failed = done - reported["done"], failed - reported["failed"]
        if delta_done or delta_failed:
            async with pool.pipeline(transaction=True) as pipe:
                pipe.hincrby(progress_key, "images_done", delta_done)
                pipe.hincrby(progress_key, "images_failed", delta_failed)
                pipe.expire(progress_key, _PROGRESS_TTL)
                await pipe.execute()
            reported["done"], reported["failed"] = done, failed

    async def keep_pushing() -> None:
        while True:
            await asyncio.sleep(0.5)
            with contextlib.suppress(Exception):
                await push_progress()

    pusher = asyncio.create_task(keep_pushing())
    try:
        async with engine.slot() as slot:
            if retried:
                await persons.prepare(slot)
            try:
                await persons.handle(slot, owner)
            except FaceError as error:
                engine.fail_remaining(owner, error)
        await persons.finish()
    finally:
        pusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pusher
    with contextlib.suppress(Exception):
        await push_progress()
    report = tally.report(None, 0.0, None)
    return {
        "persons_created": report.persons_created,
        "persons_found": report.persons_found,
        "persons_failed": report.persons_failed,
        "added": report.faces_added,
        "found": report.faces_found,
        "settled": report.faces_settled,
        "duplicates_removed": report.duplicates_removed,
        "failures": [attrs.asdict(failure) for failure in report.failures],
    }


async def worker_startup(
    ctx: dict[str, Any],
    *,
    endpoint: str | None = None,
    key: str | None = None,
    rate: float = 10.0,
    request_timeout: float = 60.0,
    redis_url: str | None = None,
    api_path: str | None = None,
    api_version: str | None = None,
) -> None:
    """Put a FaceClient sharing the Redis rate limit in `ctx["facekit"]` (arq on_startup).

    Endpoint and key default to FACE_ENDPOINT and FACE_KEY; the limit is shared on the
    worker's own Redis (`redis_url`, else FACEKIT_QUEUE) under the endpoint's name. The
    API version (`api_version`, or the older `api_path`) defaults to the client's, and
    must be the one the jobs were enqueued with.
    """
    endpoint = endpoint or os.environ.get("FACE_ENDPOINT")
    key = key or os.environ.get("FACE_KEY")
    if not endpoint or not key:
        raise FaceValidationError("worker", "set FACE_ENDPOINT and FACE_KEY for the worker")
    url = redis_url or os.environ.get("FACEKIT_QUEUE")
    if not url:
        raise FaceValidationError("worker", "give the queue's Redis URL (FACEKIT_QUEUE)")
    limiter = RedisRateLimiter(url, resource=endpoint, rate=rate)
    ctx["facekit_limiter"] = limiter
    ctx["facekit"] = FaceClient(
        endpoint,
        KeyCredential(key),
        rate_limiter=limiter,
        timeout=request_timeout,
        api_version=api_version,
        api_path=api_path,
    )


async def worker_shutdown(ctx: dict[str, Any]) -> None:
    """Close what `worker_startup` opened (arq on_shutdown)."""
    face: FaceClient | None = ctx.pop("facekit", None)
    if face is not None:
        await face.aclose()
    limiter: RedisRateLimiter | None = ctx.pop("facekit_limiter", None)
    if limiter is not None:
        await limiter.aclose()


def enroll_person_function(*, timeout: float = JOB_TIMEOUT, max_tries: int = 5) -> Function:
    """`enroll_person` as an arq function, for the `functions` of your own worker."""
    return func(
        enroll_person, name=JOB_FUNCTION, timeout=timeout, max_tries=max_tries, keep_result=3600
    )


def worker_settings(
    redis_url: str,
    *,
    endpoint: str | None = None,
    key: str | None = None,
    rate: float = 10.0,
    timeout: float = 60.0,
    job_timeout: float = JOB_TIMEOUT,
    max_jobs: int = 8,
    burst: bool = False,
    handle_signals: bool = True,
    api_path: str | None = None,
    api_version: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker` running facekit's enrollment jobs.

    `rate` is the Face resource's whole rate, shared on Redis by every worker; `timeout`
    is the worker's request timeout; a job running past `job_timeout` is cancelled and
    retried (so is one whose worker died, once `job_timeout` + 10 s have passed); `burst`
    stops the worker when the queue is empty.
    """

    async def startup(ctx: dict[str, Any]) -> None:
        os.environ.setdefault("FACEKIT_QUEUE", redis_url)
        await worker_startup(
            ctx,
            endpoint=endpoint,
            key=key,
            rate=rate,
            request_timeout=timeout,
            redis_url=redis_url,
            api_path=api_path,
            api_version=api_version,
        )

    return {
        "functions": [enroll_person_function(timeout=job_timeout)],
        "queue_name": QUEUE_NAME,
        "redis_settings": redis_settings(redis_url),
        "on_startup": startup,
        "on_shutdown": worker_shutdown,
        "max_jobs": max_jobs,
        "job_timeout": job_timeout,
        "burst": burst,
        "handle_signals": handle_signals,
        "poll_delay": 0.2,
    }
