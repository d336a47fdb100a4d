"""Every translation in ``i18n/`` stays usable: known keys, the English parameters, valid syntax.

Data-driven over each ``i18n/*.json`` but ``en`` and ``qqq``. Coverage is enforced over the keys
that are not ``wft-ui-*`` (the front end adds those often; their coverage is reported by
``tools/i18n_missing.py`` for information only).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from wikifile_transfer import i18n
from wikifile_transfer.i18n import msg, plural_form

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "i18n"
UI_PREFIX = "wft-ui-"
MIN_LANGUAGES = 30
MIN_COVERAGE = 0.95
PLACEHOLDERS = {"", "todo", "fixme", "xxx", "tbd", "translate me", "..."}

_PARAM = re.compile(r"\$(\d+)")
_PLURAL_HEAD = re.compile(r"\{\{\s*PLURAL:\s*\$(\d+)\s*\|", re.IGNORECASE)
_MAGIC = re.compile(r"\{\{\s*(PLURAL|GENDER):", re.IGNORECASE)
_TEMPLATE = re.compile(r"\{\{(?!\s*(?:PLURAL|GENDER):)[^{}]*\}\}", re.IGNORECASE)
# Text a translation must keep verbatim: command-line options, %PLACEHOLDERS%, function calls.
_PLURAL_FORMS = re.compile(r"\{\{\s*PLURAL:[^|{}]*\|([^{}]*)\}\}", re.IGNORECASE)
_VERBATIM = re.compile(
    r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*|%[A-Z]+%|(?<![A-Za-z0-9_])[A-Za-z_]\w*\(\)", re.ASCII
)


def _read(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a JSON object"
    return data


def _messages(path: Path) -> dict[str, str]:
    return {k: v for k, v in _read(path).items() if not k.startswith("@")}  # type: ignore[misc]


EN = _messages(I18N / "en.json")
LANGS = sorted(p.stem for p in I18N.glob("*.json") if p.stem not in {"en", "qqq"})
CORE = {k for k in EN if not k.startswith(UI_PREFIX)}


def _required_params(english: str) -> set[str]:
    """The English parameters a translation must keep.

    Every ``$N`` of the text, except one that is only the selector of a PLURAL (``$2`` in
    ``$1 {{PLURAL:$2|byte|bytes}}``: a language without plural forms does not need it). A ``$1``
    that selects a PLURAL is the count itself, so it stays required.
    """
    selectors = set(_PLURAL_HEAD.findall(english))
    in_text = set(_PARAM.findall(_PLURAL_HEAD.sub("{{PLURAL:|", english)))
    return in_text | (selectors & {"1"})


def _balanced(text: str) -> bool:
    depth = 0
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair == "{{":
            depth += 1
            i += 2
        elif pair == "}}":
            depth -= 1
            if depth < 0:
                return False
            i += 2
        else:
            i += 1
    return depth == 0


def test_english_and_documentation_have_the_same_keys() -> None:
    qqq = _messages(I18N / "qqq.json")
    assert set(EN) == set(qqq)


def test_there_are_translations() -> None:
    assert len(LANGS) >= MIN_LANGUAGES


@pytest.mark.parametrize("lang", LANGS)
def test_file_is_a_banana_object_of_strings(lang: str) -> None:
    data = _read(I18N / f"{lang}.json")
    meta = data.get("@metadata")
    assert isinstance(meta, dict), "@metadata is missing"
    authors = meta.get("authors")
    assert isinstance(authors, list) and authors and all(isinstance(a, str) for a in authors)
    for key, value in data.items():
        if key != "@metadata":
            assert isinstance(value, str), f"{key} is not a string"


@pytest.mark.parametrize("lang", LANGS)
def test_no_stale_keys(lang: str) -> None:
    stale = set(_messages(I18N / f"{lang}.json")) - set(EN)
    assert not stale, f"{lang}.json has keys en.json does not have: {sorted(stale)}"


def _single_plural_form(lang: str) -> bool:
    """True for languages whose CLDR rule has one form only (ja, zh, ko, vi, id…): the renderer
    then always picks the first plain form, so "{{PLURAL:$1|one file|$1 files}}" would say "one"."""
    return all(plural_form(lang, n) == 0 for n in range(0, 202))


@pytest.mark.parametrize("lang", LANGS)
def test_messages_are_valid(lang: str) -> None:
    problems = []
    single = _single_plural_form(lang)
    zero_is_one = plural_form(lang, 0) == plural_form(lang, 1) != plural_form(lang, 5)
    for key, text in _messages(I18N / f"{lang}.json").items():
        english = EN.get(key)
        if english is None:
            continue  # reported by test_no_stale_keys
        if text.strip().lower() in PLACEHOLDERS or text.strip() == key or text.startswith("⧼"):
            problems.append(f"{key}: placeholder text {text!r}")
            continue
        used = set(_PARAM.findall(text))
        if extra := used - set(_PARAM.findall(english)):
            problems.append(f"{key}: parameters not in English: {sorted(extra)}")
        if missing := _required_params(english) - used:
            problems.append(f"{key}: parameters dropped: {sorted(missing)}")
        if not _balanced(text):
            problems.append(f"{key}: unbalanced {{{{ }}}}")
        if len(_MAGIC.findall(text)) != len(_PLURAL_HEAD.findall(text)) + text.upper().count("{{GENDER:"):
            problems.append(f"{key}: a PLURAL must be of the form {{{{PLURAL:$N|…}}}}")
        if "{{PLURAL:" in english.upper() and "{{" not in text and not _PARAM.search(text):
            problems.append(f"{key}: plural message without its count")
        if Counter(_TEMPLATE.findall(text)) != Counter(_TEMPLATE.findall(english)):
            problems.append(f"{key}: templates differ from English: {_TEMPLATE.findall(text)}")
        if Counter(_VERBATIM.findall(text)) != Counter(_VERBATIM.findall(english)):
            problems.append(f"{key}: options/code differ from English: {_VERBATIM.findall(text)}")
        for forms in _PLURAL_FORMS.findall(text):
            plain = [f for f in forms.split("|") if not re.match(r"\s*\d+\s*=", f)]
            if single and len(plain) > 1:
                problems.append(f"{key}: {lang} has one plural form; use {{{{PLURAL:$N|1=…|…}}}} or one form")
            # Where 0 takes the "one" form (fr, pt, hi, bn, fa…), "one file" without the number
            # would be shown for 0 files: such a form must be the explicit "1=".
            if zero_is_one and len(plain) > 1 and "$" not in plain[0] and "$" in plain[1]:
                problems.append(f"{key}: in {lang} 0 takes the first form; write it 1=… or with the number")
        if text.count("[[") != english.count("[["):
            problems.append(f"{key}: wiki links differ from English")
    assert not problems, "\n".join(problems)


def test_enough_languages_are_nearly_complete() -> None:
    coverage = {lang: len(set(_messages(I18N / f"{lang}.json")) & CORE) / len(CORE) for lang in LANGS}
    complete = sorted(lang for lang, share in coverage.items() if share >= MIN_COVERAGE)
    assert len(complete) >= MIN_LANGUAGES, (
        f"only {len(complete)} languages cover {MIN_COVERAGE:.0%} of the non-{UI_PREFIX} keys: "
        + ", ".join(f"{lang} {share:.0%}" for lang, share in sorted(coverage.items()))
    )


@pytest.fixture(autouse=True)
def _fresh_messages():
    i18n.load.cache_clear()
    yield
    i18n.load.cache_clear()


@pytest.mark.parametrize("lang", LANGS)
def test_the_back_end_renders_every_language(lang: str) -> None:
    assert lang in i18n.available_languages()
    loaded = i18n.load(lang)
    assert loaded, f"the back end loaded nothing for {lang}"
    for key, text in loaded.items():
        params = [f"P{n}" if n != "1" else "7" for n in map(str, range(1, 6))]
        out = msg(key, *params, lang=lang)
        assert "{{PLURAL" not in out.upper(), f"{key}: PLURAL left in {out!r}"
        assert not _PARAM.search(out), f"{key}: parameter left in {out!r}"
        # A $1 that only selects a PLURAL ("{{PLURAL:$1|One file|$2 files}}": $1 raw, $2 formatted)
        # is not shown, so only a $1 in the text itself must come out.
        if "$1" in _PLURAL_HEAD.sub("{{PLURAL:|", text) and key not in {"wft-page-bytes"}:
            assert "7" in out
    for count in (0, 1, 2, 5, 21, 100):
        for key in ("wft-cli-done", "wft-event-batch-expanded", "wft-event-uploaded", "wft-page-bytes"):
            if key in loaded:
                out = msg(key, str(count), count, lang=lang)
                assert out and "{{" not in out and "$" not in out
    if "wft-error-missing-file" in loaded:
        out = msg("wft-error-missing-file", "File:Ä.jpg", "commons", lang=lang)
        assert "File:Ä.jpg" in out and "commons" in out
    if "wft-followup-mark-done" in loaded:
        out = msg("wft-followup-mark-done", "File:A.jpg", "NowCommons", "B.jpg", lang=lang)
        assert "{{NowCommons|B.jpg}}" in out


@pytest.mark.parametrize(
    ("lang", "key", "one", "five"),
    [
        ("ar", "wft-event-batch-expanded", "ملفًا واحدًا", "5 ملفات"),
        ("ru", "wft-event-batch-expanded", "1 файл", "5 файлов"),
        ("ar", "wft-cli-batch-running", "ملف واحد", "5 ملفات"),
        ("ru", "wft-cli-batch-running", "1 файла", "5 файлов"),
    ],
)
def test_plural_forms_of_arabic_and_russian(lang: str, key: str, one: str, five: str) -> None:
    singular = msg(key, 1, lang=lang)
    plural = msg(key, 5, lang=lang)
    assert one in singular and five not in singular
    assert five in plural and one not in plural
    assert singular != plural


def _tool():
    spec = importlib.util.spec_from_file_location("i18n_missing", ROOT / "tools" / "i18n_missing.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_keys_tool(tmp_path: Path, capsys) -> None:
    (tmp_path / "en.json").write_text(
        json.dumps({"@metadata": {}, "wft-a": "A", "wft-b": "B", "wft-ui-c": "C"}), encoding="utf-8"
    )
    (tmp_path / "qqq.json").write_text(json.dumps({"wft-a": "doc"}), encoding="utf-8")
    (tmp_path / "fr.json").write_text(
        json.dumps({"@metadata": {}, "wft-a": "À", "wft-old": "x"}), encoding="utf-8"
    )
    tool = _tool()
    assert tool.main(["--dir", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"fr"}
    assert result["fr"]["missing"] == ["wft-b", "wft-ui-c"]
    assert result["fr"]["stale"] == ["wft-old"]
    assert result["fr"]["core_coverage"] == 0.5
    assert result["fr"]["ui_coverage"] == 0.0
    assert tool.main(["--dir", str(tmp_path), "--prefix", "wft-ui-", "fr", "de"]) == 0
    text = capsys.readouterr().out
    assert "fr: 0/1 translated, 1 missing" in text and "  wft-ui-c" in text
    assert "de: 0/1 translated" in text
    # The real files: every language is listed.
    assert tool.main(["--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == set(LANGS)
