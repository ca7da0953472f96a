"""The enrollment engine: each image of each owner ends on the service once, or is reported.

Owners (persons, or a list) run concurrently, `concurrency` at a time; the images of one
owner go one after another, as the service serializes writes to one person or list. An
owner that only waits (for a settle window, or a backoff) gives its slot to another.

Per image: look first (its tag may already be on the service), send, and on failure do
what `settle` decides. Per person: find it by its tag, or create it by the same rule. A
FaceError while handling one owner ends that owner only: its images are reported and the
run goes on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import attrs

from ..client import FaceClient
from ..errors import FaceError, NotFoundError
from ..models import Person
from ..models.enums import DetectionModel
from ..models.names import DetectionModelName
from ..session import on_attempt
from . import settle
from .journal import FaceState, Journal, JournalError, PersonState
from .plan import PlannedImage, PlannedOwner, person_tag
from .report import EnrollmentProgress, FailureKind, ImageFailure, Tally
from .settle import Action, Decision, Outcome, SettlePolicy
from .views import FaceOwner, PersonIndex, PersonStore, TagMap

__all__ = ["Engine", "PersonEnrollment", "Slot"]

logger = logging.getLogger("facekit.bulk")

_KIND_OF_ACTION: dict[Action, FailureKind] = {
    Action.FAIL: "permanent",
    Action.PEND: "pending",
    Action.UNSETTLED: "unsettled",
}
_STATE_OF_KIND: dict[FailureKind, FaceState] = {
    "permanent": FaceState.FAILED,
    "pending": FaceState.PENDING,
    "unsettled": FaceState.UNSETTLED,
}


class Slot:
    """A task's hold on one of the run's concurrency slots, given up while it only waits."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = False

    async def __aenter__(self) -> Slot:
        await self._slots.acquire()
        self._held = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()

    async def idle(self, seconds: float) -> None:
        """Sleep `seconds` without holding a slot, then take one back."""
        if seconds <= 0:
            return
        self._release()
        await asyncio.sleep(seconds)
        await self._slots.acquire()
        self._held = True


@attrs.define
class _Item:
    """One image of an owner on its way to the service."""

    image: PlannedImage
    unknown: int = 0
    not_applied: int = 0
    look_failures: int = 0
    #: When the settle window of the last unknown outcome ends (the engine's clock).
    deadline: float = 0.0
    #: The owner (person, list) was gone when the last add was sent.
    owner_gone: bool = False
    code: str | None = None
    reason: str = ""


def describe(error: BaseException) -> tuple[str | None, str]:
    """The (code, reason) a report shows for a FaceError."""
    code = getattr(error, "code", None) or type(error).__name__
    reason = getattr(error, "message", None) or str(error) or type(error).__name__
    return code, reason


_Waiting = list[tuple[float, int, _Item, Action]]


class Engine:
    """One enrollment run: the journal, the settle policy, the counts and the slots."""

    def __init__(
        self,
        *,
        journal: Journal,
        policy: SettlePolicy,
        window: float,
        request_timeout: float,
        tally: Tally,
        concurrency: int,
        detection_model: DetectionModelName | DetectionModel | None,
        retry_failed: bool,
        progress: Callable[[EnrollmentProgress], object] | None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.journal = journal
        self.policy = policy
        self.window = window
        #: How long after it was sent an add of an earlier (perhaps killed) run may land:
        #: it may have waited the whole request timeout, then the settle window applies.
        self.horizon = request_timeout + window
        self.tally = tally
        self.concurrency = concurrency
        self.detection_model = detection_model
        self.retry_failed = retry_failed
        self._progress = progress
        self.clock = clock
        self.wall = wall
        self._slots = asyncio.Semaphore(concurrency)
        #: (owner, image key) of every image whose outcome in this run is final.
        self._final: set[tuple[str, str]] = set()

    @classmethod
    def for_client(
        cls,
        face: FaceClient,
        *,
        journal: Journal,
        policy: SettlePolicy,
        tally: Tally,
        concurrency: int = 1,
        detection_model: DetectionModelName | DetectionModel | None = None,
        retry_failed: bool = False,
        progress: Callable[[EnrollmentProgress], object] | None = None,
    ) -> Engine:
        """An engine whose settle window and deadlines follow the client's request timeout."""
        return cls(
            journal=journal,
            policy=policy,
            window=policy.window_for(face.timeout),
            request_timeout=face.timeout,
            tally=tally,
            concurrency=concurrency,
            detection_model=detection_model,
            retry_failed=retry_failed,
            progress=progress,
        )

    # -- running owners -------------------------------------------------------------------

    def slot(self) -> Slot:
        """A hold on one of the run's concurrency slots (`async with engine.slot() as s:`)."""
        return Slot(self._slots)

    async def run_all(
        self,
        owners: Sequence[PlannedOwner],
        handle: Callable[[Slot, PlannedOwner], Awaitable[None]],
    ) -> None:
        """Handle every owner, `concurrency` at a time; one owner's failure ends only it.

        Owners waiting out a settle window keep their task but not their slot; at most
        four times `concurrency` tasks exist at once, so memory stays flat for any size.
        """
        alive = asyncio.Semaphore(self.concurrency * 4)

        async def one(owner: PlannedOwner) -> None:
            try:
                async with Slot(self._slots) as slot:
                    try:
                        await handle(slot, owner)
                    except JournalError:
                        raise  # nothing more may be sent: the run stops as a whole
                    except FaceError as error:
                        logger.warning("enrolling %s stopped: %s", owner.name or "the list", error)
                        self.fail_remaining(owner, error)
                self.tally.persons_done += 1 if owner.name else 0
                self.report_progress()
            finally:
                alive.release()

        try:
            async with asyncio.TaskGroup() as group:
                for owner in owners:
                    await alive.acquire()
                    group.create_task(one(owner))
        except BaseExceptionGroup as errors:
            # Surface the first real error, not the group that wraps it.
            raise errors.exceptions[0] from None

    # -- bookkeeping ----------------------------------------------------------------------

    def report_progress(self) -> None:
        """Tell the caller's progress callback (if any) the counts so far."""
        if self._progress is not None:
            self._progress(self.tally.progress())

    def _enrolled(self, owner: str, image: PlannedImage, face_id: str, how: str) -> None:
        self.journal.face_done(owner, image.key, image.tag, face_id)
        if how == "added":
            self.tally.added += 1
        elif how == "found":
            self.tally.found += 1
        else:
            self.tally.settled += 1
        self._final.add((owner, image.key))
        self.report_progress()

    def not_enrolled(
        self, owner: str, image: PlannedImage, kind: FailureKind, code: str | None, reason: str
    ) -> None:
        """Report (and journal) an image that ends this run without a face."""
        if (owner, image.key) in self._final:
            return
        self.journal.face_not_done(owner, image.key, image.tag, _STATE_OF_KIND[kind], code, reason)
        self.tally.failures.append(
            ImageFailure(
                person=owner or None, image=image.label, code=code, reason=reason, kind=kind
            )
        )
        self._final.add((owner, image.key))
        self.report_progress()

    def fail_remaining(
        self, owner: PlannedOwner, error: BaseException, kind: FailureKind | None = None
    ) -> None:
        """Report every image of `owner` not yet final after `error` ended its handling."""
        code, reason = describe(error)
        if kind is None:
            kind = "permanent" if settle.classify(error) is Outcome.REJECTED else "pending"
        for image in owner.images:
            row = self.journal.face(owner.name, image.key)
            this_kind = kind
            if row is not None and row.state in (FaceState.INTENT, FaceState.UNSETTLED):
                this_kind = "unsettled"  # an add of it may still land: look first next time
            self.not_enrolled(owner.name, image, this_kind, code, reason)

    # -- the images of one owner ----------------------------------------------------------

    async def enroll_owner(self, slot: Slot, owner: PlannedOwner, view: FaceOwner) -> None:
        """Enroll one owner's images, each exactly once, one after another."""
        name = owner.name
        stored = await view.lookup()
        await self._remove_extra_copies(view, stored)
        ready: deque[_Item] = deque()
        waiting: _Waiting = []
        order = itertools.count()
        for image in owner.images:
            if image.tag in stored:
                self._enrolled(name, image, stored[image.tag][0], "found")
                continue
            row = self.journal.face(name, image.key)
            if row is not None and row.state is FaceState.FAILED and not self.retry_failed:
                reason = row.reason or "failed in an earlier run"
                self.not_enrolled(name, image, "permanent", row.code, reason)
                continue
            item = _Item(image)
            if row is not None and row.state in (FaceState.INTENT, FaceState.UNSETTLED):
                # An add sent by an earlier run may still land: wait until it cannot, then
                # look afresh (the owner's first lookup may predate a late landing).
                remaining = max((row.open_until or 0.0) - self.wall(), 0.0)
                item.unknown = 1
                item.deadline = self.clock() + remaining
                item.code, item.reason = None, "an add sent by an earlier run is unsettled"
                heapq.heappush(waiting, (item.deadline, next(order), item, Action.LOOK))
                continue
            ready.append(item)

        resent_after_unknown = False
        while ready or waiting:
            now = self.clock()
            if waiting and waiting[0][0] <= now:
                looks: list[_Item] = []
                while waiting and waiting[0][0] <= now:
                    _at, _n, item, action = heapq.heappop(waiting)
                    if action is Action.LOOK:
                        looks.append(item)
                    else:
                        ready.appendleft(item)
                for item, decision in await self._look(view, looks):
                    self._schedule(name, item, decision, ready, waiting, order)
                continue
            if ready:
                item = ready.popleft()
                resent_after_unknown = resent_after_unknown or item.unknown > 0
                outcome = await self._send(view, item)
                if outcome is None:
                    continue
                if item.owner_gone:
                    # The person (or list) is gone: nothing else of it can land in this run.
                    for rest in [*ready, *(entry[2] for entry in waiting)]:
                        self.not_enrolled(name, rest.image, "pending", item.code, item.reason)
                    ready.clear()
                    waiting.clear()
                self._schedule(name, item, outcome, ready, waiting, order)
                continue
            await slot.idle(waiting[0][0] - now)

        if resent_after_unknown:
            # A first copy that lands after its window can meet the copy sent again.
            try:
                await self._remove_extra_copies(view, await view.lookup())
            except FaceError as error:
                logger.warning("could not check %s for extra copies: %s", name or "list", error)

    def _schedule(
        self,
        owner: str,
        item: _Item,
        decision: Decision,
        ready: deque[_Item],
        waiting: _Waiting,
        order: itertools.count[int],
    ) -> None:
        action = decision.action
        if action is Action.SETTLED:
            return
        if action is Action.RESEND and decision.delay <= 0:
            ready.append(item)
        elif action in (Action.RESEND, Action.LOOK):
            heapq.heappush(waiting, (self.clock() + decision.delay, next(order), item, action))
        else:
            self.not_enrolled(owner, item.image, _KIND_OF_ACTION[action], item.code, item.reason)

    async def _send(self, view: FaceOwner, item: _Item) -> Decision | None:
        """Send one add; None when it landed, else what to do next."""
        image = item.image

        def sending() -> None:
            # Each attempt (the client retries some) may land until it times out, and then
            # for the settle window: record that before the attempt leaves.
            self.journal.face_intent(view.name, image.key, image.tag, self.wall() + self.horizon)

        sending()
        try:
            with on_attempt(sending):
                face_id = await view.add(image, self.detection_model)
        except FaceError as error:
            outcome = settle.classify(error)
            item.code, item.reason = describe(error)
            item.owner_gone = outcome is Outcome.OWNER_GONE
            if outcome is Outcome.UNKNOWN:
                item.unknown += 1
                item.look_failures = 0
                item.deadline = settle.settle_deadline(self.clock(), self.window)
                self.journal.face_open_until(view.name, image.key, self.wall() + self.window)
            elif outcome in (Outcome.NOT_APPLIED, Outcome.OWNER_GONE):
                item.not_applied += 1
            return settle.after_failure(
                outcome, unknown=item.unknown, not_applied=item.not_applied, policy=self.policy
            )
        self._enrolled(view.name, image, face_id, "added")
        return None

    async def _look(self, view: FaceOwner, items: list[_Item]) -> list[tuple[_Item, Decision]]:
        """One lookup for every item whose unknown outcome is due a look."""
        if not items:
            return []
        try:
            stored = await view.lookup()
        except NotFoundError as error:
            # The owner is gone, and with it anything that landed on it.
            code, reason = describe(error)
            for item in items:
                item.code, item.reason = code, reason
            return [(item, Decision(Action.PEND)) for item in items]
        except FaceError as error:
            _code, reason = describe(error)
            decisions = []
            for item in items:
                item.look_failures += 1
                item.reason = f"the outcome of an add is unknown and the look failed: {reason}"
                failure = settle.after_look_failure(failures=item.look_failures, policy=self.policy)
                decisions.append((item, failure))
            return decisions
        now = self.clock()
        decisions = []
        for item in items:
            item.look_failures = 0
            found = stored.get(item.image.tag)
            if found:
                self._enrolled(view.name, item.image, found[0], "settled")
            decision = settle.after_look(
                found=bool(found),
                now=now,
                deadline=item.deadline,
                unknown=item.unknown,
                policy=self.policy,
            )
            if decision.action is Action.UNSETTLED:
                item.reason = (
                    f"sent {item.unknown} times without a clear answer ({item.reason}); "
                    "the next run looks for it before sending again"
                )
            decisions.append((item, decision))
        return decisions

    async def _remove_extra_copies(self, view: FaceOwner, stored: TagMap) -> None:
        """Keep one face per tag (the journal's, else the lowest id); delete the others."""
        duplicated = {tag: ids for tag, ids in stored.items() if len(ids) > 1}
        if not duplicated:
            return
        known = self.journal.known_tags(view.name)
        for tag, face_ids in duplicated.items():
            keep = next((f for f in face_ids if known.get(f) == tag), min(face_ids))
            for face_id in face_ids:
                if face_id == keep:
                    continue
                try:
                    await view.delete(face_id)
                except FaceError as error:
                    logger.warning("could not remove an extra copy of a face: %s", error)
                    continue
                self.tally.duplicates_removed += 1
            stored[tag] = [keep]


class PersonEnrollment:
    """Persons of a group or the directory: found by their tag, or created once."""

    def __init__(self, engine: Engine, store: PersonStore) -> None:
        self.engine = engine
        self.store = store
        self.index = PersonIndex(store)
        self._resent_after_unknown: dict[str, str] = {}

    async def prepare(self, slot: Slot) -> None:
        """Scan the group's persons and remove extra copies of any tag.

        Without this scan no person can be created safely, so a scan that keeps failing
        (after the client's own retries) ends the run before anything is written.
        """
        failures = 0
        while True:
            try:
                await self.index.refresh(self.engine.clock())
                break
            except FaceError:
                failures += 1
                decision = settle.after_look_failure(failures=failures, policy=self.engine.policy)
                if decision.action is not Action.LOOK:
                    raise
                await slot.idle(decision.delay)
        for tag, persons in self.index.duplicated().items():
            # The copy holding the most faces (then the lowest id) stays.
            keep = min(persons, key=lambda p: (-len(p.persisted_face_ids), p.person_id))
            await self._remove_persons(tag, [p for p in persons if p.person_id != keep.person_id])

    async def finish(self) -> None:
        """After creates sent again past their window: remove a late first copy, if any."""
        if not self._resent_after_unknown:
            return
        try:
            await self.index.refresh(self.engine.clock())
        except FaceError as error:
            logger.warning("could not check the group for extra persons: %s", error)
            return
        duplicated = self.index.duplicated()
        for tag, person_id in self._resent_after_unknown.items():
            extra = [p for p in duplicated.get(tag, ()) if p.person_id != person_id]
            await self._remove_persons(tag, extra)

    async def _remove_persons(self, tag: str, persons: list[Person]) -> None:
        for person in persons:
            try:
                await self.index.delete(person.person_id)
            except FaceError as error:
                logger.warning("could not remove an extra copy of a person: %s", error)
                continue
            self.index.discard(tag, person.person_id)
            self.engine.tally.duplicates_removed += 1

    async def handle(self, slot: Slot, owner: PlannedOwner) -> None:
        """Find or create the person, then enroll its images."""
        found = await self._person(slot, owner)
        if found is None:
            return
        person_id, face_ids = found
        view = self.store.faces(
            person_id,
            name=owner.name,
            known=self.engine.journal.known_tags(owner.name),
            face_ids=face_ids,
        )
        await self.engine.enroll_owner(slot, owner, view)

    async def _person(self, slot: Slot, owner: PlannedOwner) -> tuple[str, list[str] | None] | None:
        """(person id, face ids if known) of the owner's person; None if it failed."""
        engine = self.engine
        name, tag = owner.name, person_tag(owner.name)
        existing = self.index.find(tag)
        if existing:
            engine.journal.person_done(name, tag, existing[0].person_id)
            engine.tally.persons_found += 1
            return existing[0].person_id, existing[0].persisted_face_ids
        unknown = not_applied = look_failures = 0
        resent = False
        deadline: float | None = None
        row = engine.journal.person(name)
        if row is not None and row.state is PersonState.DONE and row.person_id:
            # The tag is gone (someone changed the person's userData) but the journal knows
            # the person: if the service still has it, it is this person, not a new one.
            try:
                known = await self.store.get(row.person_id)
            except NotFoundError:
                pass
            else:
                logger.warning(
                    "person %r no longer carries its facekit tag in userData; "
                    "using %s from the journal",
                    name,
                    known.person_id,
                )
                engine.tally.persons_found += 1
                return known.person_id, known.persisted_face_ids
        if row is not None and row.state is PersonState.INTENT:
            # A create sent by an earlier run may still land: wait until it cannot, then
            # scan afresh (the run's first scan may predate a late landing).
            remaining = max((row.open_until or 0.0) - engine.wall(), 0.0)
            unknown, deadline = 1, engine.clock() + remaining
        reason = ""
        while True:
            if deadline is not None:
                looked_at = engine.clock()
                try:
                    await self.index.refresh(looked_at)
                except FaceError as error:
                    look_failures += 1
                    decision = settle.after_look_failure(
                        failures=look_failures, policy=engine.policy
                    )
                    reason = f"the look for the person failed: {describe(error)[1]}"
                else:
                    look_failures = 0
                    existing = self.index.find(tag)
                    if existing:
                        engine.journal.person_done(name, tag, existing[0].person_id)
                        engine.tally.persons_created += 1
                        return existing[0].person_id, existing[0].persisted_face_ids
                    decision = settle.after_look(
                        found=False,
                        now=looked_at,
                        deadline=deadline,
                        unknown=unknown,
                        policy=engine.policy,
                    )
                if decision.action is Action.LOOK:
                    await slot.idle(decision.delay)
                    continue
                if decision.action is Action.UNSETTLED:
                    self._person_failed(owner, "unsettled", None, f"creating the person: {reason}")
                    return None
                deadline = None  # RESEND: the window passed and the person is not there
                resent = True

            def sending() -> None:
                engine.journal.person_intent(name, tag, engine.wall() + engine.horizon)

            sending()
            try:
                with on_attempt(sending):
                    created = await self.store.create(name, tag)
            except FaceError as error:
                outcome = settle.classify(error)
                code, reason = describe(error)
                if outcome is Outcome.UNKNOWN:
                    unknown += 1
                    deadline = settle.settle_deadline(engine.clock(), engine.window)
                    engine.journal.person_open_until(name, engine.wall() + engine.window)
                    continue
                if outcome in (Outcome.NOT_APPLIED, Outcome.OWNER_GONE):
                    not_applied += 1
                decision = settle.after_failure(
                    outcome, unknown=unknown, not_applied=not_applied, policy=engine.policy
                )
                if decision.action is Action.RESEND:
                    await slot.idle(decision.delay)
                    continue
                kind = _KIND_OF_ACTION[decision.action]
                self._person_failed(owner, kind, code, f"creating the person: {reason}")
                return None
            engine.journal.person_done(name, tag, created.person_id)
            self.index.add(tag, Person(person_id=created.person_id, name=name, user_data=tag))
            if resent:
                self._resent_after_unknown[tag] = created.person_id
            engine.tally.persons_created += 1
            return created.person_id, []

    def _person_failed(
        self, owner: PlannedOwner, kind: FailureKind, code: str | None, reason: str
    ) -> None:
        self.engine.tally.persons_failed += 1
        for image in owner.images:
            self.engine.not_enrolled(owner.name, image, kind, code, reason)
