from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports


def test_services_are_searchable(client: TestClient) -> None:
    body = client.get("/api/v1/services", params={"q": "tiktok"}).json()

    assert body["items"][0]["slug"] == "tiktok"
    assert body["items"][0]["status"] == "ok"
    assert body["items"][0]["icon"] == "/static/icons/tiktok.svg"


def test_services_filter_by_category_and_page(client: TestClient) -> None:
    body = client.get("/api/v1/services", params={"category": "banking", "limit": 5}).json()

    assert body["total"] >= 100
    assert len(body["items"]) == 5
    assert {item["category"] for item in body["items"]} == {"banking"}


def test_paging_walks_the_whole_catalog_once(client: TestClient) -> None:
    slugs: list[str] = []
    total = None
    while total is None or len(slugs) < total:
        body = client.get("/api/v1/services", params={"limit": 500, "offset": len(slugs)}).json()
        total = body["total"]
        slugs += [item["slug"] for item in body["items"]]

    assert total >= 1400
    assert len(slugs) == len(set(slugs)) == total


def test_unknown_category_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/v1/services", params={"category": "toys"})

    assert response.status_code == 422
    assert "Unknown category 'toys'" in response.json()["error"]["message"]


def test_bad_parameters_are_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/v1/services", params={"limit": "many"})

    assert response.status_code == 422
    assert "limit" in response.json()["error"]["message"]


def test_service_detail_reports_the_same_facts_as_the_page(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=1)] * 4, problem="login")
    add_reports(loaded_store, "tiktok", [NOW - timedelta(hours=2)], country="FR", problem="feed")

    body = client.get("/api/v1/services/tiktok").json()

    assert body["name"] == "TikTok"
    assert body["category_name"] == "Social Media"
    assert body["status"]["label"] == "No issues"
    assert (body["reports_this_hour"], body["reports_today"]) == (4, 5)
    assert len(body["series"]) == 24
    assert body["problems"][0] == {
        "slug": "login",
        "title": "Login & authentication",
        "reports": 4,
        "share": 0.8,
    }
    assert body["regions"] == [{"country": "FR", "name": "France", "reports": 1, "share": 1.0}]
    assert body["related"], "TikTok has related services"


def test_unknown_service_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/services/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "message": "We do not track a service called 'no-such-thing'."}
    }


def test_categories_list_their_problem_types(client: TestClient) -> None:
    categories = client.get("/api/v1/categories").json()

    assert len(categories) == 26
    social = next(c for c in categories if c["slug"] == "social-media")
    assert [p["slug"] for p in social["problems"]][:4] == [
        "messages",
        "login",
        "feed",
        "app-website-errors",
    ]
    assert sum(c["services"] for c in categories) >= 1400


def test_openapi_document_describes_the_api(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/services", "/api/v1/services/{slug}", "/api/v1/categories"):
        assert path in document["paths"]
    assert "404" in document["paths"]["/api/v1/services/{slug}"]["get"]["responses"]


def test_the_document_describes_a_422_as_the_error_body_actually_sent(
    client: TestClient,
) -> None:
    document = client.get("/api/v1/openapi.json").json()

    answer = client.get("/api/v1/incidents/not-a-number")

    incident = document["paths"]["/api/v1/incidents/{incident_id}"]["get"]
    schema = incident["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert answer.status_code == 422
    assert "incident_id" in answer.json()["error"]["message"]


def test_an_incident_id_beyond_any_stored_one_is_a_422_not_a_server_error(
    client: TestClient,
) -> None:
    response = client.get(f"/api/v1/incidents/{2**70}")

    assert response.status_code == 422
    assert "incident_id" in response.json()["error"]["message"]
