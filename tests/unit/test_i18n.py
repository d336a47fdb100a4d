"""Message rendering and the completeness of the message files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from wikifile_transfer import i18n
from wikifile_transfer.i18n import fallback_chain, msg, plural_form

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "wikifile_transfer"


def test_parameters_and_plural() -> None:
    assert msg("wft-page-bytes", "1", 1) == "1 byte"
    assert msg("wft-page-bytes", "2", 2) == "2 bytes"
    assert msg("wft-cli-done", "URL", 1, lang="de") == "Fertig: URL (1 Version hochgeladen)."


def test_fallbacks() -> None:
    assert fallback_chain("pt-br") == ["pt-br", "pt", "en"]
    assert fallback_chain("en") == ["en"]
    assert msg("wft-cli-failed", lang="de-ch") == "Die Übertragung ist fehlgeschlagen."
    assert msg("wft-step-page-text", lang="xx-unknown") == "Writing the description page…"
    assert msg("no-such-key") == "⧼no-such-key⧽"
    assert msg("wft-error-upload", "only-one") == "The upload of only-one failed: $2"


def test_cldr_plural_forms() -> None:
    # Arabic has six forms (zero one two few many other), Russian three in MediaWiki order.
    assert plural_form("ar", 0) == 0
    assert plural_form("ar", 2) == 2
    assert plural_form("ru", 3) == 1
    assert plural_form("ru", 5) == 2
    assert plural_form("not-a-language", 1) == 0
    assert plural_form("en", 1.5) == 1


def test_explicit_plural_form(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "en.json").write_text(
        json.dumps({"k": "{{PLURAL:$1|one egg|$1 eggs|12=a dozen eggs}}", "e": "{{PLURAL:$1|}}"})
    )
    monkeypatch.setattr(i18n, "messages_dir", lambda: tmp_path)
    i18n.load.cache_clear()
    try:
        assert msg("k", 12) == "a dozen eggs"
        assert msg("k", 3) == "3 eggs"
        assert msg("k", "x") == "x eggs"
        assert msg("e", 1) == ""
    finally:
        i18n.load.cache_clear()


def test_every_used_key_is_documented_and_every_key_used() -> None:
    en = json.loads((ROOT / "i18n" / "en.json").read_text(encoding="utf-8"))
    qqq = json.loads((ROOT / "i18n" / "qqq.json").read_text(encoding="utf-8"))
    assert set(en) == set(qqq), "en.json and qqq.json must have the same keys"
    code = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    used = set(re.findall(r"[\"'](wft-[a-z0-9-]+)[\"']", code))
    missing = used - set(en)
    assert not missing, f"keys used in code but missing from en.json: {sorted(missing)}"
    # wft-ui-* keys belong to the web app: tests/unit/test_frontend_messages.py checks them in frontend/src
    unused = {k for k in en if not k.startswith(("@", "wft-ui-"))} - used
    assert not unused, f"keys in en.json never used: {sorted(unused)}"


def test_translations_only_have_known_keys() -> None:
    en = json.loads((ROOT / "i18n" / "en.json").read_text(encoding="utf-8"))
    for path in (ROOT / "i18n").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) <= set(en), f"{path.name} has keys not in en.json"
    assert "de" in i18n.available_languages()
