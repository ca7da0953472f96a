"""`facekit worker`: run enrollment jobs from a Redis queue until stopped (or it empties)."""

from __future__ import annotations

import argparse
import math
import os
import sys

from ...errors import FaceError
from ..connection import warn_of_key_flag
from ..errors import EXIT_OK, EXIT_SERVICE, EXIT_USAGE, exit_code_for


def run(args: argparse.Namespace) -> int:
    """Serve `facekit enroll --queue` jobs under the resource's rate, shared on Redis."""
    queue: str = args.queue or os.environ.get("FACEKIT_QUEUE") or ""
    endpoint = args.endpoint or os.environ.get("FACE_ENDPOINT")
    key = args.key or os.environ.get("FACE_KEY")
    problem = None
    if not queue:
        problem = "--queue: give the queue's Redis URL (or set FACEKIT_QUEUE)"
    elif not endpoint or not key:
        problem = "a worker needs the Face resource: FACE_ENDPOINT and FACE_KEY (or flags)"
    elif not (math.isfinite(args.job_timeout) and args.job_timeout > 0):
        problem = "--job-timeout: must be a finite number of seconds > 0"
    if problem is not None:
        print(f"facekit: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        from arq.worker import Worker
        from redis.exceptions import RedisError

        from ...distributed.enrollment import worker_settings
    except ImportError:
        print(
            "facekit: error: the worker needs the redis extra: pip install 'facekit-async[redis]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        settings = worker_settings(
            queue,
            endpoint=endpoint,
            key=key,
            rate=args.rate_limit or 10.0,
            timeout=args.timeout or 60.0,
            job_timeout=args.job_timeout,
            max_jobs=args.max_jobs,
            burst=args.burst,
            api_version=args.api_version,
            api_path=args.api_path,
        )
        warn_of_key_flag(args)
        print(f"facekit worker: jobs from the queue for {endpoint}", file=sys.stderr, flush=True)
        Worker(**settings).run()
    except FaceError as error:
        print(f"facekit: error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except (RedisError, OSError) as error:
        print(
            f"facekit: error: the queue cannot be reached ({type(error).__name__})", file=sys.stderr
        )
        return EXIT_SERVICE
    return EXIT_OK
