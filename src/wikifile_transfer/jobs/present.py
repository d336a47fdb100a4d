"""How a transfer row reads to a person or a program: its status word, its error and its checks as
``{key, params, message}``. The CLI's ``--json`` and the web API show the same words, so both take them
from here (a status added or renamed changes in one place, and a script written against the CLI reads
the API the same way).
"""

from __future__ import annotations

from typing import Any

from wikifile_transfer.i18n import msg, params_json
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.store.states import Outcome, TransferState
from wikifile_transfer.transfer.model import CheckResult
from wikifile_transfer.transfer.model import Outcome as CheckOutcome
from wikifile_transfer.transfer.serialize import report_from_data

EDITABLE_STATES = (TransferState.PLANNED, TransferState.READY, TransferState.BLOCKED)
"""States in which an item has not run yet: it may still be excluded or renamed."""


def item_status(transfer: Transfer) -> str:
    """One word for the row: ``done``/``already_done`` (the outcome of ``done``), ``excluded`` for an item
    left out before it ran, ``warn`` for a ready item with warnings, else the state."""
    state = TransferState(transfer.state)
    if transfer.excluded and state in EDITABLE_STATES:
        return "excluded"
    if state is TransferState.DONE:
        return transfer.outcome or Outcome.DONE.value
    if state in (TransferState.BLOCKED, TransferState.FAILED, TransferState.CANCELLED):
        return state.value
    if state is TransferState.READY:
        report = report_from_data(transfer.report)
        return "warn" if report.warnings else "ready"
    return state.value


def error_json(key: str | None, params: list[Any], lang: str) -> dict[str, Any] | None:
    """``{key, params, message}`` of a stored error (None when there is none)."""
    if key is None:
        return None
    return {"key": key, "params": params_json(list(params)), "message": msg(key, *params, lang=lang)}


def check_json(result: CheckResult, lang: str) -> dict[str, Any]:
    """One check verdict with its message key, parameters (nested messages as ``{key, params}``) and the
    message in ``lang``."""
    return {
        "id": result.id,
        "result": result.outcome.value,
        "key": result.key,
        "params": params_json(result.params),
        "message": msg(result.key, *result.params, lang=lang),
    }


def checks_json(transfer: Transfer, lang: str, *, with_passes: bool = False) -> list[dict[str, Any]]:
    """The stored check report of a row; passes only when asked (the batch table shows warnings and
    blocks, the details view everything)."""
    report = report_from_data(transfer.report)
    return [check_json(r, lang) for r in report.results if with_passes or r.outcome is not CheckOutcome.PASS]


def item_json(transfer: Transfer, lang: str) -> dict[str, Any]:
    """A batch item as ``batch --json`` prints it."""
    return {
        "id": transfer.id,
        "source": transfer.source_url or transfer.source_input,
        "status": item_status(transfer),
        "target_title": transfer.target_title,
        "target_url": transfer.target_url,
        "error": error_json(transfer.error_key, transfer.error_params, lang),
        "checks": [
            {"id": c["id"], "result": c["result"], "message": c["message"]}
            for c in checks_json(transfer, lang)
        ],
    }
