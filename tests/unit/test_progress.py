"""The rich progress listener: steps as lines, one bar per download/upload, bytes fed into the bars."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from wikifile_transfer import i18n
from wikifile_transfer.cli.progress import ProgressBars


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=100, color_system=None), out


def states(bars: ProgressBars) -> list[tuple[str, float, float | None]]:
    return [(t.description, t.completed, t.total) for t in bars.progress.tasks]


def test_defaults_to_standard_error() -> None:
    bars = ProgressBars("en")
    assert bars.console.stderr is True
    assert bars.lang == "en"
    assert bars.progress.live.transient is False


def test_uses_the_given_console() -> None:
    con, _ = console()
    bars = ProgressBars("de", console=con)
    assert bars.console is con
    assert bars.progress.console is con


def test_other_steps_are_printed_as_lines_in_the_language() -> None:
    con, out = console()
    with ProgressBars("en", console=con) as bars:
        bars.step("wft-step-read-source", "File:X.png")
        bars.step("wft-step-page-text")
        assert bars.progress.tasks == []
    # the (empty) progress display is drawn once more when it stops
    assert out.getvalue().splitlines()[:2] == [
        "Reading File:X.png on the source wiki…",
        "Writing the description page…",
    ]
    assert "".join(out.getvalue().splitlines()[2:]).strip() == ""


def test_steps_are_rendered_in_the_language_with_english_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # German is complete now: hide one German message to see the English fallback.
    real_load = i18n.load
    monkeypatch.setattr(
        i18n,
        "load",
        lambda lang: {
            k: v for k, v in real_load(lang).items() if (lang, k) != ("de", "wft-cli-unknown-language")
        },
    )
    con, out = console()
    bars = ProgressBars("de", console=con)
    bars.step("wft-check-duplicate", "Datei:A.png", "1")  # translated into German
    bars.step("wft-step-download", "1", "3")
    assert out.getvalue() == "Dieselbe Datei gibt es im Zielwiki bereits als: Datei:A.png.\n"
    assert bars.progress.tasks[0].description == "Herunterladen 1/3"
    bars.step("wft-cli-unknown-language", "xx")  # no German text: English
    assert "No messages in language" in out.getvalue()


def test_unknown_step_key_is_printed_visibly() -> None:
    con, out = console()
    ProgressBars("en", console=con).step("wft-step-no-such-step")
    assert out.getvalue() == "⧼wft-step-no-such-step⧽\n"


def test_download_and_upload_get_their_own_bars() -> None:
    con, _ = console()
    bars = ProgressBars("en", console=con)
    bars.step("wft-step-download", "1", "2")
    bars.step("wft-step-upload", "1", "2")
    assert states(bars) == [("Download 1/2", 0, None), ("Upload 1/2", 0, None)]

    bars.bytes_down(250, 1000)
    bars.bytes_up(100, 1000)
    assert states(bars) == [("Download 1/2", 250, 1000), ("Upload 1/2", 100, 1000)]

    bars.bytes_down(1000, 1000)
    task = bars.progress.tasks[0]
    assert task.finished
    assert task.percentage == 100.0
    assert not bars.progress.tasks[1].finished


def test_unknown_total_stays_indeterminate() -> None:
    con, _ = console()
    bars = ProgressBars("en", console=con)
    bars.step("wft-step-upload", "1", "1")
    bars.bytes_up(4096, 0)
    (task,) = bars.progress.tasks
    assert (task.completed, task.total) == (4096, None)
    assert not task.finished


def test_bytes_before_any_bar_are_ignored() -> None:
    con, out = console()
    bars = ProgressBars("en", console=con)
    bars.bytes_down(10, 100)
    bars.bytes_up(10, 100)
    assert bars.progress.tasks == []
    assert out.getvalue() == ""


def test_upload_bytes_do_not_touch_the_download_bar() -> None:
    con, _ = console()
    bars = ProgressBars("en", console=con)
    bars.step("wft-step-download", "1", "1")
    bars.bytes_up(50, 100)  # no upload bar yet
    assert states(bars) == [("Download 1/1", 0, None)]


def test_every_version_gets_a_fresh_bar_and_bytes_go_to_the_newest() -> None:
    con, _ = console()
    bars = ProgressBars("en", console=con)
    bars.step("wft-step-download", "1", "2")
    bars.bytes_down(300, 300)
    bars.step("wft-step-download", "2", "2")
    bars.bytes_down(50, 500)
    assert states(bars) == [("Download 1/2", 300, 300), ("Download 2/2", 50, 500)]


def test_renders_the_bars_when_stopped() -> None:
    con, out = console()
    with ProgressBars("en", console=con) as bars:
        assert bars.progress.live.is_started
        bars.step("wft-step-read-source", "File:X.png")
        bars.step("wft-step-download", "1", "2")
        bars.bytes_down(500, 1000)
        bars.step("wft-step-upload", "1", "2")
        bars.bytes_up(2000, 2000)
    assert not bars.progress.live.is_started
    lines = out.getvalue().splitlines()
    assert lines[0] == "Reading File:X.png on the source wiki…"
    download = next(line for line in lines if line.startswith("Download 1/2"))
    upload = next(line for line in lines if line.startswith("Upload 1/2"))
    assert "0.5/1.0 kB" in download
    assert "2.0/2.0 kB" in upload
    assert "━" in download and "━" in upload


def test_exit_stops_the_display_on_an_exception() -> None:
    con, out = console()
    bars = ProgressBars("en", console=con)
    with pytest.raises(RuntimeError), bars:
        bars.step("wft-step-download", "1", "1")
        bars.bytes_down(1024, 2048)
        raise RuntimeError("network down")
    assert not bars.progress.live.is_started
    assert "1.0/2.0 kB" in out.getvalue()


def test_enter_returns_the_bars() -> None:
    con, _ = console()
    bars = ProgressBars("en", console=con)
    with bars as entered:
        assert entered is bars
