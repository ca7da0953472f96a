"""A client belongs to one event loop: used from another, it says so clearly."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from facekit import FaceClient, FaceError, KeyCredential
from facekit.emulator import FaceEmulator


# The first loop ends with the client's connection still open (that is the mistake being
# made): its socket is reported when collected, here rather than in a later test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_client_reused_by_a_second_asyncio_run_raises_a_clear_face_error(
    face_emulator: FaceEmulator,
) -> None:
    face = FaceClient(face_emulator.endpoint, KeyCredential(face_emulator.key))

    async def use() -> None:
        await face.person_groups.list().collect()

    async def close() -> None:
        await face.aclose()

    asyncio.run(use())
    with pytest.raises(FaceError, match="event loop that is closed") as caught:
        asyncio.run(use())
    assert "asyncio.run" in str(caught.value)
    assert face_emulator.log.count("PersonGroup_List") == 1
    # Closing still works, from any loop.
    asyncio.run(close())
    gc.collect()


async def test_a_client_used_from_a_thread_with_its_own_loop_is_refused(
    emulator: FaceEmulator,
) -> None:
    async with FaceClient(emulator.endpoint, KeyCredential(emulator.key)) as face:
        await face.person_groups.list().collect()
        errors: list[BaseException] = []

        def other_thread() -> None:
            try:
                asyncio.run(face.person_groups.list().collect())
            except BaseException as error:
                errors.append(error)

        thread = threading.Thread(target=other_thread)
        thread.start()
        await asyncio.to_thread(thread.join)
        (error,) = errors
        assert isinstance(error, FaceError)
        assert "another one" in str(error)
        # The client still works in its own loop.
        assert await face.person_groups.list().collect() == []
