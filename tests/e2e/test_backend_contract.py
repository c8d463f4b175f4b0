"""schemathesis drives the real backend from its own OpenAPI document: no 5xx, and every
answer conforms to the schema it declares."""

import subprocess
import sys
from pathlib import Path

from tests.helpers.backend import DEV_TOKEN

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_backend_keeps_its_openapi_contract_under_generated_requests(backend, tmp_path):
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            backend.url + "/openapi.json",
            "--header",
            f"Authorization: Bearer {DEV_TOKEN}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "30",
            "--seed",
            "20261121",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.split("SUMMARY")[-1]
