"""The backend the kiosk syncs to, as a small FastAPI service (imports nothing of the kiosk)."""

from mock_backend.app import create_app

__all__ = ["create_app"]
