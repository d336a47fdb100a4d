"""Rule pages read from a wiki (``--rules-page commons:Extension:FileImporter/Data/en.wikipedia``),
parsed once per revision.

Why cache by revision id: a revision never changes, so the rules parsed from it can be kept for as long
as it is the latest one. Asking a wiki for the latest revision id is one small request (no page text);
only a new revision costs the text and a parse. The cache has two levels: this process (a batch of
transfers parses the page once) and, when a folder is given, files on disk keyed by wiki, title and
revision (a later run with an unchanged page parses nothing).

No I/O of its own beyond the cache folder: the two questions to the wiki (latest revision, text of a
revision) are functions the caller passes in, as ``wiki/`` answers them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from wikifile_transfer.wikitext.rules.codec import CodecError, rules_from_json, rules_to_json
from wikifile_transfer.wikitext.rules.commonshelper import RulePageMissingError, parse_commonshelper
from wikifile_transfer.wikitext.rules.ftcg import parse_ftcg
from wikifile_transfer.wikitext.rules.model import RuleSet

MEMORY_SIZE: Final = 64
_memory: OrderedDict[tuple[str, str, int], RuleSet] = OrderedDict()

LatestRevision = Callable[[str], int | None]
"""``latest(title)`` → the page's latest revision id, or None when the page does not exist."""
RevisionText = Callable[[str, int], str]
"""``text(title, revision)`` → the wikitext of that revision."""


def looks_like_ftcg(text: str) -> bool:
    """An FtCG local-wiki-data text rather than a CommonsHelper2 / FileImporter page."""
    return "[PotentialProblem]" in text or "[Replacement]" in text or "CopyToCommonsRegex=" in text


def parse_rules_text(text: str, origin: str, revision: int | None = None) -> RuleSet:
    """A rules text in the FtCG or the CommonsHelper2 / FileImporter format, chosen by its content."""
    if looks_like_ftcg(text):
        return replace(parse_ftcg(text, origin), revision=revision)
    return parse_commonshelper(text, origin, revision)


@dataclass
class RulePageCache:
    """Parsed rule pages by (wiki, title, revision id): in this process, and in ``folder`` if given."""

    folder: Path | None = None
    parses: int = 0  # pages parsed by this cache (for tests and logs: a hit parses nothing)

    def load(
        self, wiki_key: str, wiki_name: str, title: str, latest: LatestRevision, text: RevisionText
    ) -> RuleSet:
        """The rules on ``title`` of the wiki ``wiki_key`` (its API URL): from a cache when the latest
        revision was parsed before, else fetched and parsed (and cached).

        RulePageMissingError when the page does not exist; the parsers' errors (RuleSyntaxError for a
        page without its sections) pass through and nothing is cached then.
        """
        revision = latest(title)
        if revision is None:
            raise RulePageMissingError(f"{wiki_name}:{title}")
        key = (wiki_key, title, revision)
        cached = _memory.get(key)
        if cached is None:
            cached = self._from_disk(key)
        if cached is None:
            origin = f"{wiki_name}:{title} (revision {revision})"
            cached = parse_rules_text(text(title, revision), origin, revision)
            self.parses += 1
            self._to_disk(key, cached)
        _remember(key, cached)
        return cached

    # --- disk -------------------------------------------------------------------------------------

    def _path(self, key: tuple[str, str, int]) -> Path | None:
        if self.folder is None:
            return None
        wiki_key, title, revision = key
        page = hashlib.sha256(f"{wiki_key}\n{title}".encode()).hexdigest()[:32]
        return self.folder / "rulepages" / f"{page}-{revision}.json"

    def _from_disk(self, key: tuple[str, str, int]) -> RuleSet | None:
        """The cached rules, or None for a missing, unreadable or foreign file (a miss, never an error:
        the page can always be fetched again)."""
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("page") != [key[0], key[1], key[2]]:
                return None
            return rules_from_json(data)
        except (OSError, ValueError, CodecError, AttributeError, TypeError):
            return None

    def _to_disk(self, key: tuple[str, str, int], rules: RuleSet) -> None:
        """Write atomically (a reader never sees half a file); drop older revisions of the page. A
        folder that cannot be written only costs the next run a parse."""
        path = self._path(key)
        if path is None:
            return
        data = {**rules_to_json(rules), "page": [key[0], key[1], key[2]]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(temp, path)
            stem = path.name.rsplit("-", 1)[0]
            for old in path.parent.glob(f"{stem}-*.json"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            return


def _remember(key: tuple[str, str, int], rules: RuleSet) -> None:
    _memory[key] = rules
    _memory.move_to_end(key)
    while len(_memory) > MEMORY_SIZE:
        _memory.popitem(last=False)


def clear_memory() -> None:
    """Forget the pages parsed in this process (tests; a worker never needs it)."""
    _memory.clear()
