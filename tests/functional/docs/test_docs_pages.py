"""/docs and /redoc, as the reference served them, but with their scripts from the app itself."""

from __future__ import annotations

import re

from tests.function_calls import call_http, json_of

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def _assets_named_in(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="/docs/assets/([^"]+)"', page)


def test_docs_serves_swagger_ui_that_loads_only_from_the_app() -> None:
    response = call_http("docs_swagger", "GET", "/docs")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_body().decode()
    assert "SwaggerUIBundle" in page and "'/openapi.json'" in page
    assert "http" not in re.sub(r"<!DOCTYPE[^>]*>", "", page)  # no CDN, no other origin
    assert set(_assets_named_in(page)) == {
        "favicon.png",
        "swagger-ui.css",
        "swagger-ui-bundle.js",
    }


def test_the_docs_page_policy_allows_its_own_inline_start_up_and_nothing_else() -> None:
    import base64
    import hashlib

    response = call_http("docs_swagger", "GET", "/docs")
    policy = response.headers["Content-Security-Policy"]
    page = response.get_body().decode()
    (inline,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()

    assert f"script-src 'self' 'sha256-{digest}'" in policy
    assert "unsafe-inline' " not in policy.split("script-src")[1]
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_redoc_serves_redoc_with_a_policy_for_its_search_worker() -> None:
    response = call_http("docs_redoc", "GET", "/redoc")

    assert response.status_code == 200
    page = response.get_body().decode()
    assert '<redoc spec-url="/openapi.json">' in page
    assert _assets_named_in(page) == ["favicon.png", "redoc.standalone.js"]
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "worker-src blob:" in policy


def test_every_asset_a_page_names_is_served_from_the_python_package() -> None:
    for name, expected_type in (
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("redoc.standalone.js", "text/javascript"),
        ("favicon.png", "image/png"),
    ):
        response = call_http(
            "docs_asset", "GET", f"/docs/assets/{name}", route_params={"asset": name}
        )
        assert response.status_code == 200, name
        assert response.headers["Content-Type"].startswith(expected_type)
        assert len(response.get_body()) > 1000
        assert response.headers["Cache-Control"] == "public, max-age=86400"
    bundle = call_http(
        "docs_asset",
        "GET",
        "/docs/assets/swagger-ui-bundle.js",
        route_params={"asset": "swagger-ui-bundle.js"},
    ).get_body()
    assert b"SwaggerUIBundle" in bundle


def test_an_unknown_asset_is_404_naming_the_assets_there_are() -> None:
    response = call_http(
        "docs_asset", "GET", "/docs/assets/../../etc/passwd", route_params={"asset": "passwd"}
    )

    assert response.status_code == 404
    assert "swagger-ui-bundle.js" in json_of(response)["detail"]


def test_api_routes_keep_the_strict_policy_of_a_json_api() -> None:
    response = call_http("health_check", "GET", "/api/v1/health")

    assert response.headers["Content-Security-Policy"] == API_POLICY
