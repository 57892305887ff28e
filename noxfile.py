"""One compatibility-matrix slice per session, so a developer can run, locally, exactly what one CI job runs.

    nox -l                                              # list the sessions
    nox -s "cell(producer='tf-1.8.0', consumer='java-tf-1.15.0')"
    nox -s "producer(name='tf-2.12.0')"                 # one producer against every consumer
    nox -s "consumer(name='java-tf-2.18.0')"            # every producer against one consumer

The sessions use the project's own environment (`make setup`); the harness makes the producers'
environments and builds the Java consumers itself. Reports go to build/matrix/<session>.{md,json,html}.
(`make nox ARGS='-s ...'` installs nox into .venv first.)
"""

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "python"))
from tfinterop.harness.matrix import CONSUMERS, PRODUCERS  # noqa: E402  (the axes come from the harness's own table)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
nox.options.default_venv_backend = "none"
nox.options.sessions = ["cell"]


def matrix(session, slug, *selection):
    out = ROOT / "build" / "matrix"
    out.mkdir(parents=True, exist_ok=True)
    session.run(PYTHON, "-m", "tfinterop", "matrix", *selection, "--overwrite",
                "--markdown", str(out / f"{slug}.md"), "--json", str(out / f"{slug}.json"),
                "--html", str(out / f"{slug}.html"), *session.posargs, external=True)


@nox.session
@nox.parametrize("consumer", CONSUMERS)      # listed in this order, nox names them cell(producer=..., consumer=...)
@nox.parametrize("producer", PRODUCERS)
def cell(session, producer, consumer):
    """One producer x one consumer, every model and export variant."""
    matrix(session, f"{producer}__{consumer}", "--producers", producer, "--consumers", consumer)


@nox.session
@nox.parametrize("name", PRODUCERS)
def producer(session, name):
    matrix(session, f"producer-{name}", "--producers", name)


@nox.session
@nox.parametrize("name", CONSUMERS)
def consumer(session, name):
    matrix(session, f"consumer-{name}", "--consumers", name)
