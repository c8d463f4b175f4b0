"""The backend the kiosk syncs to, as a small FastAPI service. It imports nothing of the
kiosk: the catalog it serves is a file named at start (`create_app(catalog_path=...)`)."""

from mock_backend.app import MAX_BODY_BYTES, create_app
from mock_backend.registry import (
    DEMO_KIOSK,
    InvalidKioskSpec,
    KioskRegistration,
    KioskRegistry,
    parse_kiosk_spec,
)

__all__ = [
    "DEMO_KIOSK",
    "MAX_BODY_BYTES",
    "InvalidKioskSpec",
    "KioskRegistration",
    "KioskRegistry",
    "create_app",
    "parse_kiosk_spec",
]
