"""The console's uploads between steps (columns, preview, import, result): a folder per
upload under IMPORT_DIR, readable only by this service's user, so any API process can
serve the next step and show an import's progress. Kept a day at most."""

import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import NotFound

KEEP_SECONDS = 24 * 3600


@dataclass
class Upload:
    token: str
    owner_id: int
    file_name: str
    mapping: dict[str, int] = field(default_factory=dict)
    state: str = "uploaded"  # uploaded, importing, done, failed
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class UploadStore:
    def __init__(self, settings: Settings) -> None:
        root = settings.import_dir or os.path.join(tempfile.gettempdir(), "mild-reminders-imports")
        self.root = Path(root)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def add(self, owner_id: int, file_name: str, content: bytes) -> Upload:
        self._forget_old()
        upload = Upload(secrets.token_urlsafe(16), owner_id, file_name[:200])
        folder = self.root / upload.token
        folder.mkdir(mode=0o700)
        (folder / "file").write_bytes(content)
        self.save(upload)
        return upload

    def get(self, token: str, owner_id: int) -> Upload:
        """The upload, only for the person who made it (a guessed token finds nothing)."""
        path = (
            self.root / token / "upload.json"
            if token.replace("-", "").replace("_", "").isalnum()
            else None
        )
        if path is None or not path.exists():
            raise NotFound("no such upload (uploads are kept for a day)", field="upload")
        upload = Upload(**json.loads(path.read_text()))
        if upload.owner_id != owner_id:
            raise NotFound("no such upload (uploads are kept for a day)", field="upload")
        return upload

    def save(self, upload: Upload) -> None:
        path = self.root / upload.token / "upload.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(upload)))
        temporary.replace(path)  # readers never see half a file

    def content(self, upload: Upload) -> bytes:
        return (self.root / upload.token / "file").read_bytes()

    def put(self, upload: Upload, name: str, value: Any) -> None:
        path = self.root / upload.token / name
        temporary = path.with_suffix(".tmp")
        temporary.write_text(value if isinstance(value, str) else json.dumps(value))
        temporary.replace(path)

    def read(self, upload: Upload, name: str) -> str:
        return (self.root / upload.token / name).read_text()

    def _forget_old(self) -> None:
        limit = time.time() - KEEP_SECONDS
        for folder in self.root.iterdir():
            try:
                if folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue
