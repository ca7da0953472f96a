"""Sessions: tests (pytest), fidelity (Microsoft's SDKs against the emulator), lint (ruff),
typecheck (mypy --strict), docs (the API reference, built strictly). `nox` runs these five.

`nox -s tests_aiohttp` runs the tests on the lowest aiohttp facekit supports and on the
newest; it is not in the default run, which it would take past six minutes on two cores.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["tests", "fidelity", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True

SOURCES = ["facekit", "tests", "samples", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (without fidelity), on the newest aiohttp pip resolves."""
    session.install("-e", ".[test]")
    session.run("pytest", "--ignore=tests/fidelity", *session.posargs)


def _lowest_aiohttp() -> str:
    """The aiohttp floor pyproject.toml declares ("aiohttp>=3.10" gives "3.10")."""
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        found = re.fullmatch(r"aiohttp\s*>=\s*([\d.]+)", requirement.strip())
        if found:
            return found.group(1)
    raise ValueError("pyproject.toml declares no aiohttp>= floor")


@nox.session
@nox.parametrize("aiohttp", ["lowest", "newest"])
def tests_aiohttp(session: nox.Session, aiohttp: str) -> None:
    """The test suite on the lowest supported aiohttp, and on the newest."""
    session.install("-e", ".[test]")
    if aiohttp == "lowest":
        session.install(f"aiohttp=={_lowest_aiohttp()}")
    else:
        session.install("--upgrade", "aiohttp")
    session.run("python", "-c", "import aiohttp; print('aiohttp', aiohttp.__version__)")
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
    """ruff check and ruff format --check over the sources, tests, samples and benchmarks."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict, as configured in pyproject.toml."""
    session.install("-e", ".[typecheck]")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """The API reference from the docstrings into site/ (see docs/mkdocs.yml); warnings fail it.

    Offline once installed: no inventories are fetched, so only pip needs the network.
    """
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--config-file",
        "docs/mkdocs.yml",
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
