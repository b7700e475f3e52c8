"""`watch` renders the editions that link to no other (PDF, EPUB, DOCX) at once, in forked
workers as many as the cores (press.base.budget.run_all), and writes them together: the same bytes
as a build that renders them one after another."""

from __future__ import annotations

import os
import time

import pytest

from conftest import FIXTURES

from press.base import budget
from press.build import editions, pipeline
from press.build.cache import SectionCache
from press.base.errors import PressError


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_watch_renders_apart_and_writes_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv(budget.DISABLE_VARIABLE, raising=False)
    apart = []
    run_all = budget.run_all

    def spy(works, largest):
        apart.append(sorted(works))
        return run_all(works, largest)

    monkeypatch.setattr(budget, "run_all", spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    source = FIXTURES / "features"
    pipeline.build(source, tmp_path / "watch", list(editions.ALL), cache=SectionCache())  # as watch builds
    assert apart == [["epub docx", "pdf"]]  # on two cores: the PDF in one worker, the rest in the other
    pipeline.build(source, tmp_path / "plain", list(editions.ALL))  # one worker, one edition after another
    assert apart == [["epub docx", "pdf"]]
    watched, plain = _files(tmp_path / "watch"), _files(tmp_path / "plain")
    assert watched.keys() == plain.keys() and len(watched) > 5
    assert watched == plain


def test_the_editions_are_shared_among_the_cores():
    assert pipeline._share(["pdf", "epub", "docx"], 2) == [["pdf"], ["epub", "docx"]]
    assert pipeline._share(["pdf", "epub", "docx"], 8) == [["pdf"], ["epub"], ["docx"]]
    assert pipeline._share(["pdf", "epub", "docx"], 1) == [["pdf", "epub", "docx"]]  # then: not apart at all


def test_run_all_runs_each_work_in_its_own_process_at_once(tmp_path):
    def meet(me: str, other: str):
        def work():
            (tmp_path / me).touch()
            deadline = time.monotonic() + 20
            while not (tmp_path / other).exists() and time.monotonic() < deadline:
                time.sleep(0.01)  # one after the other, the first would never see the second
            return os.getpid(), (tmp_path / other).exists()
        return work

    done = budget.run_all({"a": meet("a", "b"), "b": meet("b", "a")}, lambda: None)
    assert done["a"][1] and done["b"][1]
    assert len({done["a"][0], done["b"][0], os.getpid()}) == 3


def test_run_all_raises_the_first_error_and_keeps_no_child(monkeypatch):
    def fails():
        raise PressError("the sources are bad", None, "E201")

    def large():
        return b"x" * (4 << 20)  # more than a pipe holds: read while the other ends

    with pytest.raises(PressError, match="the sources are bad"):
        budget.run_all({"large": large, "fails": fails}, lambda: None)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child reaped


def test_run_all_keeps_the_time_budget(monkeypatch):
    monkeypatch.setenv(budget.SECONDS_VARIABLE, "0.5")
    started = time.monotonic()
    with pytest.raises(budget.BudgetError, match="longer than its budget"):
        budget.run_all({"quick": lambda: 1, "slow": lambda: time.sleep(30)}, lambda: None)
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_the_background_warming_ends_before_any_render_forks(tmp_path, monkeypatch):
    """A PDF build imports WeasyPrint in a thread while it checks the sources; no thread may
    still run when the render's worker is forked."""
    import threading

    alive_at_fork = []
    run = budget.run

    def spy(work, largest):
        alive_at_fork.extend(t.name for t in threading.enumerate() if t.name.startswith("warm "))
        return run(work, largest)

    monkeypatch.setattr(budget, "run", spy)
    started = []
    monkeypatch.setattr(editions, "warm_in_background",
                        lambda names, start=editions.warm_in_background: (started.extend(names), start(names)))
    pipeline.build(FIXTURES / "mali", tmp_path / "out", ["pdf"])
    assert started == ["pdf"]
    assert alive_at_fork == []
    assert (tmp_path / "out" / "understanding-peacekeeping-in-mali.pdf").read_bytes()[:5] == b"%PDF-"
