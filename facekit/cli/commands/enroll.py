"""`facekit enroll`: a folder root/<person>/<images> into a group or the PersonDirectory.

--group ID (with --large): a person group or large person group. --directory: the
PersonDirectory's persons; --group ID --dynamic: those persons, made members of that
dynamic person group.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ...bulk import (
    EnrollmentPlan,
    EnrollmentProgress,
    EnrollmentReport,
    SettlePolicy,
    binding_for,
    enroll_directory,
    enroll_people,
    plan_people,
)
from ...bulk.journal import default_journal_path
from ...client import FaceClient
from ...errors import FaceValidationError
from ...models._serde import to_wire
from ...resources.person_directory import DIRECTORY_VERSIONS
from ..arguments import target_of
from ..connection import configured_endpoint, connect
from ..console import Console, ProgressBar, table
from ..errors import EXIT_OK, EXIT_PARTIAL


async def run(args: argparse.Namespace, console: Console) -> int:
    """Enroll the folder (resuming from its journal), report, and train if asked."""
    # checks.py has refused every mistake before this runs.
    kind, group = target_of(args, DIRECTORY_VERSIONS)
    in_directory = kind in ("persondirectory", "dynamicpersongroups")
    if args.queue:
        return await _run_on_queue(args, console)
    # Everything the run needs is checked before a client (or an emulator) starts.
    plan = plan_people(args.folder)
    settle = SettlePolicy(window=args.settle_seconds)
    async with connect(args, console) as (face, emulator):
        journal: Path | None = Path(args.journal) if args.journal else None
        if journal is None and not args.no_journal and emulator is None:
            # A directory's journal is bound to the faces' recognition model.
            collection, target = (
                ("persondirectory", args.recognition_model) if in_directory else (kind, group)
            )
            journal = default_journal_path(binding_for(face, collection, target or ""))
            try:
                journal.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise FaceValidationError(
                    "journal",
                    f"cannot create the state folder {journal.parent} ({exc.strerror or exc}); "
                    "set FACEKIT_STATE_DIR, or give --journal FILE or --no-journal",
                ) from None
        if journal is not None:
            console.say(f"journal: {journal}")
        bar = ProgressBar(console.err, "enrolling")

        def progress(p: EnrollmentProgress) -> None:
            note = f"faces, {p.images_failed} not enrolled" if p.images_failed else "faces"
            bar.update(p.images_done + p.images_failed, p.images_total, note)

        try:
            if in_directory:
                report = await _into_directory(face, plan, group, journal, settle, progress, args)
            else:
                report = await enroll_people(
                    face,
                    args.group,
                    plan,
                    large=args.large,
                    journal=journal,
                    concurrency=args.concurrency,
                    recognition_model=args.recognition_model,
                    train=args.train,
                    retry_failed=args.retry_failed,
                    settle=settle,
                    progress=progress,
                )
        finally:
            bar.close()
    return show_report(report, args, console)


async def _into_directory(
    face: FaceClient,
    plan: EnrollmentPlan,
    group: str | None,
    journal: Path | None,
    settle: SettlePolicy,
    progress: Callable[[EnrollmentProgress], None],
    args: argparse.Namespace,
) -> EnrollmentReport:
    """The PersonDirectory's persons, and with --dynamic the members of a dynamic group."""
    return await enroll_directory(
        face,
        plan,
        recognition_model=args.recognition_model,
        dynamic_person_group_id=group,
        journal=journal,
        concurrency=args.concurrency,
        retry_failed=args.retry_failed,
        settle=settle,
        progress=progress,
    )


async def _run_on_queue(args: argparse.Namespace, console: Console) -> int:
    """One job per person on the queue; `facekit worker` processes do the work."""
    endpoint = configured_endpoint(args) or ""
    try:
        from ...distributed import RedisRateLimiter
        from ...distributed.enrollment import enroll_with_queue, redis_settings
    except ImportError:
        raise FaceValidationError(
            "--queue", "needs the redis extra: pip install 'facekit-async[redis]'"
        ) from None
    redis_settings(args.queue)
    plan = plan_people(args.folder)
    SettlePolicy(window=args.settle_seconds)
    # The coordinator's own requests count against the resource's rate like the workers'.
    async with (
        RedisRateLimiter(args.queue, resource=endpoint, rate=args.rate_limit or 10.0) as shared,
        connect(args, console, rate_limiter=shared) as (face, _emulator),
    ):
        console.say(f"queue: one job per person for the workers ({len(plan.owners)} jobs)")
        bar = ProgressBar(console.err, "enrolling")

        def progress(p: EnrollmentProgress) -> None:
            note = f"faces, {p.persons_done}/{p.persons_total} persons"
            bar.update(p.images_done + p.images_failed, p.images_total, note)

        try:
            report = await enroll_with_queue(
                args.queue,
                face,
                args.group,
                plan,
                large=args.large,
                train=args.train,
                progress=progress,
                recognition_model=args.recognition_model,
                retry_failed=args.retry_failed,
                settle_window=args.settle_seconds,
            )
        finally:
            bar.close()
    return show_report(report, args, console)


def show_report(report: EnrollmentReport, args: argparse.Namespace, console: Console) -> int:
    """Print the report (a table, or JSON with --json); the exit code it calls for."""
    data = to_wire(report) | {
        "ok": report.ok,
        "facesEnrolled": report.faces_enrolled,
        "facesFailed": report.faces_failed,
        "facesPending": report.faces_pending,
        "facesUnsettled": report.faces_unsettled,
        "failuresByReason": report.failures_by_reason,
    }
    rows = [
        ("persons created", report.persons_created),
        ("persons already there", report.persons_found),
        ("faces added", report.faces_added),
        ("faces already there", report.faces_found),
        ("faces settled after an unclear answer", report.faces_settled),
        ("extra copies removed", report.duplicates_removed),
        ("failed (bad image, quota)", report.faces_failed),
        ("pending (retried next run)", report.faces_pending),
        ("unsettled (looked up next run)", report.faces_unsettled),
        ("seconds", f"{report.elapsed:.1f}"),
    ]
    if getattr(args, "dynamic", False):
        rows.append(("dynamic group members added", report.group_members_added))
    if report.group_error is not None:
        rows.append(("dynamic group", f"not done: {report.group_error}"))
    if report.training is not None:
        rows.append(("training", report.training.status))
    if report.training_error is not None:
        rows.append(("training", f"not done: {report.training_error}"))
    text = "enrollment finished\n" + table(rows)
    for failure in report.failures:
        text += f"\n  {failure.kind}: {failure.person}/{failure.image}: {failure.reason}"
    if report.faces_failed and not args.retry_failed:
        text += "\n  (fix or replace the failed images; --retry-failed sends them again)"
    console.result(data, text)
    return EXIT_OK if report.ok else EXIT_PARTIAL
