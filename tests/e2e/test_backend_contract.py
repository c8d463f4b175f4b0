"""schemathesis drives the real backend from its own OpenAPI document: every check it has,
positive and negative data, and the stateful phase following the documented links."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.backend import DEV_TOKEN, BackendProcess

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

# The OpenAPI document marks tracking numbers and kiosk ids with open-ended formats; these
# generators make values the server can accept. A Luhn check digit cannot be expressed in
# JSON Schema, and only the token's own kiosk id is accepted: without them nearly every
# positive submission would be a 422 or 403, and the stateful phase (POST a submission,
# then follow its links to the status look-up and the tracking page) would never store one.
# Some values stay in another kiosk's space, so the 403s are exercised too.
HOOKS = """
import schemathesis
from hypothesis import strategies as st


def luhn_digit(body):
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def tracking_number(kiosk_number, epoch, sequence):
    body = f"{kiosk_number}{epoch:03d}{sequence:07d}"
    return body + luhn_digit(body)


schemathesis.openapi.format(
    "tracking-number",
    st.builds(
        tracking_number,
        st.sampled_from(["0001", "0001", "0001", "0002"]),
        st.integers(1, 199),
        st.integers(0, 9_999_999),
    ),
)
schemathesis.openapi.format("kiosk-id", st.sampled_from(["kiosk-0001", "kiosk-0001", "kiosk-0002"]))
schemathesis.openapi.format(
    "enrolment-code", st.sampled_from(ENROLMENT_CODES + ["never-given-0000"])
)
"""

# A new kiosk's one-time codes: each enrols once (201), then answers 409; an unknown one 403.
ENROLMENT_CODES = [f"contract-code-{n:04d}" for n in range(40)]

SCHEMATHESIS_ARGS = [
    "--checks",
    "all",
    "--mode",
    "all",  # positive and negative data
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--max-examples",
    "150",
    "--seed",
    "20261121",
    "--generation-database",
    "none",  # each run starts from the seed alone: reproducible, nothing left behind
    "--no-color",
]


@pytest.fixture
def backend(tmp_path):
    codes = [arg for code in ENROLMENT_CODES for arg in ("--enrol-code", code)]
    server = BackendProcess(tmp_path / "backend.db", None, *codes)
    server.start()
    yield server
    server.stop()


def test_backend_keeps_its_openapi_contract_under_generated_requests(backend, tmp_path):
    hooks = tmp_path / "kiosk_formats.py"
    hooks.write_text(f"ENROLMENT_CODES = {ENROLMENT_CODES!r}\n" + HOOKS, encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            backend.url + "/openapi.json",
            "--header",
            f"Authorization: Bearer {DEV_TOKEN}",
            *SCHEMATHESIS_ARGS,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(hooks)},
    )
    elapsed = time.monotonic() - started
    summary = result.stdout.split("SUMMARY")[-1]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "failed" not in summary and "errored" not in summary.lower(), summary
    # The stateful phase really ran and followed links (a POST stored submissions).
    assert "Stateful" in result.stdout and "covered" in result.stdout, result.stdout[-4000:]
    assert backend.rows(), "no generated submission was ever stored"
    assert elapsed < 180, f"schemathesis took {elapsed:.0f} s"
