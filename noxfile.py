"""Sessions: tests (pytest), fidelity (Microsoft's SDKs against the emulator), lint (ruff),
typecheck (mypy --strict). `nox` runs all four."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "fidelity", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

SOURCES = ["facekit", "tests", "samples", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "--ignore=tests/fidelity", *session.posargs)


@nox.session
def fidelity(session: nox.Session) -> None:
    """Microsoft's own SDKs, unchanged, against the emulator (test-only dependencies)."""
    session.install(
        "-e",
        ".[test]",
        "azure-cognitiveservices-vision-face>=0.6.1,<0.7",
        # Pinned: its default API version and polling behaviour are what the tests check.
        "azure-ai-vision-face==1.0.0b2",
    )
    session.run("pytest", "tests/fidelity", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[typecheck]")
    session.run("mypy")
