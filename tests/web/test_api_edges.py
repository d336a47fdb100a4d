"""Input at the edge: absurd ids, NUL characters and bad bodies get a 4xx with a key, never a 5xx; the
OpenAPI document lists every endpoint of the API with its models."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/transfers/99999999999999999999999",
        "/api/v1/batches/99999999999999999999999/items",
        "/api/v1/transfers/99999999999999999999999/stream",
    ],
)
def test_huge_ids_are_not_found(alice, path) -> None:
    response = alice.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["key"] in ("wft-error-no-such-transfer", "wft-error-no-such-batch")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/transfers?after=99999999999999999999",
        "/api/v1/transfers?batch=99999999999999999999",
        "/api/v1/transfers?q=a%00b",
        "/api/v1/wikis?q=%00",
        "/api/v1/batches?after=-1",
    ],
)
def test_absurd_query_values_are_400(alice, path) -> None:
    response = alice.get(path)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["key"] == "wft-http-invalid-input"


def test_bad_bodies_are_400_with_a_key(alice) -> None:
    for body in (
        {"source": "x\u0000", "target": "commons"},
        {"source": ""},
        {"target": "x" * 300, "source": "y"},
    ):
        response = alice.post("/api/v1/transfers/preview", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["key"] == "wft-http-invalid-input"
    raw = alice.post("/api/v1/transfers", data="{not json", headers={"Content-Type": "application/json"})
    assert raw.status_code == 400
    assert raw.get_json()["error"]["key"] == "wft-http-invalid-json"  # not JSON at all: its own key
    ids = alice.post("/api/v1/batches/1/items/exclude", json={"ids": [2**40]})
    assert ids.status_code == 400


def test_every_api_endpoint_is_in_the_openapi_document(app) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(("openapi", "doc_page")):
            continue
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    create = spec["paths"]["/api/v1/transfers"]["post"]
    assert "201" in create["responses"] and "requestBody" in create
    assert {"TransferDetail", "PreviewOut", "BatchOut", "ErrorResponse"} <= {
        name.split(".")[0] for name in spec["components"]["schemas"]
    }


def test_convert_offline_rewrites_a_page_without_any_request(alice) -> None:
    body = alice.post(
        "/api/v1/convert",
        json={
            "source": "en.wikipedia",
            "target": "commons",
            "offline": True,
            "text": "== Summary ==\nA [[Category:X]]",
        },
    )
    assert body.status_code == 200, body.get_json()
    data = body.get_json()
    assert data["status"] in ("ok", "warn", "blocked")
    assert "<!-- [[Category:X]] -->" in data["text"]
    assert data["categories"]["commented"] == ["X"] and "{{Information" in data["text"]
    refused = alice.post(
        "/api/v1/convert",
        json={"source": "a", "target": "b", "offline": True, "text": "x", "rules_page": "commons:R"},
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["key"] == "wft-error-offline-rules-page"
