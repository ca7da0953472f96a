"""Many processes, one Face resource: a rate limit shared on Redis, enrollment jobs on arq.

Install with `pip install 'facekit-async[redis]'` (redis-py and arq); the core of facekit never
imports this package.

- `RedisRateLimiter`: the `RateLimiter` interface on Redis. Every client of every process
  and host that shares it (same Redis, same `resource`) stays at the resource's rate
  together, and a 429 seen by one pauses all of them.
- `enqueue_enrollment` / `wait_for_enrollment` / `enroll_with_queue`: bulk enrollment
  split into one arq job per person, with stable job ids; `WorkerSettings` and
  `enroll_person` run those jobs in `facekit worker` or in your own arq worker.
"""

from __future__ import annotations

try:
    import arq as _arq  # noqa: F401
    import redis.asyncio as _redis  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "facekit.distributed needs the redis extra: pip install 'facekit-async[redis]'"
    ) from exc

from .limiter import RedisRateLimiter, SharedLimitUnavailableError

__all__ = ["RedisRateLimiter", "SharedLimitUnavailableError"]
