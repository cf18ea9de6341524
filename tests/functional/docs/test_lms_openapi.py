"""`lms openapi`: the document for tools, and a Postman collection, as the reference shipped one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from shared.cli.main import main
from shared.http import ROUTES


def test_lms_openapi_writes_the_valid_document_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "openapi.json"

    assert main(["openapi", "--output", str(target)]) == 0

    document = json.loads(target.read_text())
    validate(document)
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert len(operations) == sum(1 for route in ROUTES.values() if route.in_schema)
    assert f"Wrote the OpenAPI document to {target}." in capsys.readouterr().out


def test_lms_openapi_postman_writes_a_collection_that_signs_itself_in(tmp_path: Path) -> None:
    target = tmp_path / "lms.postman_collection.json"

    assert main(["openapi", "--postman", "-o", str(target), "--base-url", "http://api:8080/"]) == 0

    collection = json.loads(target.read_text())
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    variables = {v["key"]: v["value"] for v in collection["variable"]}
    assert variables["baseUrl"] == "http://api:8080"
    assert collection["auth"]["bearer"][0]["value"] == "{{accessToken}}"
    (event,) = collection["event"]
    script = "\n".join(event["script"]["exec"])
    assert event["listen"] == "prerequest"
    assert "/api/v1/auth/login" in script and "collectionVariables.set('accessToken'" in script
    requests = {
        item["request"]["method"] + " " + item["request"]["url"]["raw"]: item["request"]
        for folder in collection["item"]
        for item in folder["item"]
    }
    course = requests["GET {{baseUrl}}/api/v1/courses/:course_id"]
    assert course["url"]["variable"][0]["key"] == "course_id"
    assert requests["POST {{baseUrl}}/api/v1/auth/login"]["auth"] == {"type": "noauth"}
    assert "auth" not in requests["GET {{baseUrl}}/api/v1/users"]  # inherits the bearer token


def test_lms_openapi_says_what_to_do_when_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["openapi", "-o", str(tmp_path / "missing" / "openapi.json")]) == 1

    assert "choose another --output" in capsys.readouterr().err
