"""Development sessions: ``python3 noxw.py -s <session>`` (or ``nox -s`` if you have nox)."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "docs", "verify-runbooks"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (arguments go to pytest)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


#: The oldest versions pyproject.toml allows; tests-oldest keeps that promise true.
OLDEST = ["sphinx==7.4.7", "docutils==0.20.1", "myst-parser==3.0.1", "sphinx-design==0.6.0"]


@nox.session(name="tests-oldest")
def tests_oldest(session: nox.Session) -> None:
    """The test suite against the oldest supported Sphinx, MyST and sphinx-design."""
    session.install("-e", ".[test]", *OLDEST)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy."""
    session.install("-e", ".[test]", "ruff", "mypy", "types-docutils",
                    "types-jsonschema")
    session.run("ruff", "check", "sphinx_runbook", "tests", "docs/_ext", "noxfile.py", "noxw.py")
    session.run("mypy")


def _build(session: nox.Session, source: str, builder: str = "html") -> None:
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", builder,
        source, f"{source}/_build/{builder}", *session.posargs,
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the project's documentation (docs/) with warnings as errors."""
    session.install("-e", ".[myst]")
    _build(session, "docs")
    session.log("Open docs/_build/html/index.html")


@nox.session(name="verify-runbooks")
def verify_runbooks(session: nox.Session) -> None:
    """Build the runbook site (runbooks/), run its commands in the sandbox, fail on stale ones.

    Warnings are errors; the build log ends with the coverage summary (commands
    passed, failed, skipped and why) and runbooks/_build/html holds the site,
    runbook-report.jsonl and runbook-junit.xml.
    """
    session.install("-e", ".[myst,jupyter]")
    session.run("sphinx-runbook", "verify", "runbooks", "-o", "runbooks/_build/html", "-W",
                *session.posargs)
    session.log("Open runbooks/_build/html/index.html")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks of the command index (see bench/README.md); arguments go to bench/run.py."""
    session.install("-e", ".[myst,jupyter]")
    session.run("python", "bench/run.py", *session.posargs)
