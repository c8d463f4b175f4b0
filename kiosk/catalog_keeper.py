"""The catalog this kiosk runs on now, and how a new one replaces it.

A new catalog (imported by a maintainer, pulled from the backend) replaces the active one
only once it validates; a refused one is recorded in the audit log and the kiosk keeps
running on the last good catalog.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.backend_client import BackendClient
from kiosk.catalog import (
    CatalogError,
    CatalogModel,
    load_catalog_file,
    parse_catalog_text,
    shipped_catalog_text,
)
from kiosk.staff import AuditLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: CatalogModel
    source: str  # "shipped" or the path it was read from
    problem: str = ""  # why a stored catalog could not be used, for staff


class CatalogStore:
    """The active catalog at `<data_dir>/catalog.json`, replaced only by a valid one."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "catalog.json"
        self.etag_path = Path(data_dir) / "catalog.etag"

    def load(self) -> LoadedCatalog:
        if self.path.exists():
            try:
                return LoadedCatalog(load_catalog_file(self.path), str(self.path))
            except CatalogError as error:
                # Written only after validation, so this is damage on disk: run on the
                # shipped catalog and tell staff, rather than stop the kiosk.
                log.error("stored catalog unusable, using the shipped one: %s", error)
                return LoadedCatalog(
                    parse_catalog_text(shipped_catalog_text()), "shipped", str(error)
                )
        return LoadedCatalog(parse_catalog_text(shipped_catalog_text()), "shipped")

    def install(self, raw: str | bytes, etag: str | None = None) -> CatalogModel:
        """Validate then atomically replace; on CatalogError nothing changes."""
        catalog = parse_catalog_text(raw, "new catalog")
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        temporary = self.path.with_suffix(".json.tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        if etag:
            self.etag_path.write_text(etag, encoding="utf-8")
        elif self.etag_path.exists():
            self.etag_path.unlink()
        return catalog

    @property
    def etag(self) -> str | None:
        try:
            return self.etag_path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None


class CatalogKeeper:
    def __init__(self, data_dir: Path, audit: AuditLog) -> None:
        self._store = CatalogStore(data_dir)
        self._audit = audit
        loaded = self._store.load()
        self.catalog: CatalogModel = loaded.catalog
        self.problem = loaded.problem  # the stored catalog was damaged: running on the shipped one

    @property
    def path(self) -> Path:
        return self._store.path

    def install(self, raw: str | bytes, etag: str | None = None) -> CatalogModel:
        """Validate and activate a catalog; CatalogError keeps the current one."""
        try:
            catalog = self._store.install(raw, etag)
        except CatalogError as error:
            self._audit.record("catalog_refused", "; ".join(error.problems)[:500])
            raise
        self.catalog = catalog
        self.problem = ""
        self._audit.record("catalog_installed", f"version {catalog.catalog_version}")
        return catalog

    def pull(self, backend: BackendClient) -> str:
        """Fetch the catalog from the backend (ETag). Returns "unchanged" or "installed";
        raises CatalogError (kept the last good one) or requests.RequestException."""
        headers = {}
        if (etag := self._store.etag) and self._store.path.exists():
            headers["If-None-Match"] = etag
        response = backend.get("/api/v1/catalog", headers)
        if response.status_code == 304:
            self._audit.record("catalog_pull", "unchanged")
            return "unchanged"
        if response.status_code != 200:
            self._audit.record("catalog_pull_failed", f"HTTP {response.status_code}")
            raise CatalogError([f"backend answered HTTP {response.status_code}"])
        self.install(response.content, response.headers.get("ETag"))
        return "installed"
