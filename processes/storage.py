"""Where files live: uploads, objection attachments and generated documents (docs/deployment.md).

One interface, two backends:

- ``FileStorage`` (default): files under the instance folder, the key as the relative path
  (``uploads/<business_key>/<file>``, ``documents/<business_key>/<file>``) — what one host needs;
- ``S3Storage``: any S3-compatible object store (settings ``storage_backend = "s3"``,
  ``s3_bucket``, ``s3_endpoint_url``; credentials from the environment as boto3 reads them:
  ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``) — what several web
  hosts share. Files that a library wants as a path (PDF assembly, ``send_file``) are copied into a
  local cache under the instance folder first (``local_path``); keys are immutable by design (a new
  upload gets a new key: the file's hash is in it), so a cached copy never goes stale.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol


class StorageError(Exception):
    """A key that is not valid, or a store that is not configured properly."""


class NotStored(KeyError):
    """No object under this key."""


def check_key(key: str) -> str:
    """Keys are relative POSIX paths without '..' (they become file paths and object names)."""
    p = PurePosixPath(key)
    if not key or p.is_absolute() or str(p) != key or ".." in p.parts or "\\" in key:
        raise StorageError(f"not a valid storage key: {key!r}")
    return str(p)


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str | None = None) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> IO[bytes]: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def local_path(self, key: str) -> Path: ...


class FileStorage:
    """Files under ``root``; writes go to a temporary file renamed into place (no half files)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        target = self._path(key)
        if Path(path).resolve() == target.resolve():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotStored(key) from None

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotStored(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotStored(key)
        return path


class S3Storage:
    """An S3-compatible bucket (boto3); ``cache`` holds local copies of what was read as a path."""

    def __init__(self, bucket: str, endpoint_url: str | None, cache: str | Path, prefix: str = "",
                 client: Any = None) -> None:
        if not bucket:
            raise StorageError("storage_backend = 's3' needs s3_bucket")
        if client is None:
            import boto3  # only when configured: the default deployment does not need it

            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache = Path(cache)
        self._lock = threading.Lock()

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **extra)

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        extra = {"ExtraArgs": {"ContentType": content_type}} if content_type else {}
        self.client.upload_file(str(path), self.bucket, self._name(key), **extra)

    def open(self, key: str) -> IO[bytes]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]  # type: ignore[no-any-return]
        except Exception as exc:
            if self._missing(exc):
                raise NotStored(key) from None
            raise

    def get(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        (self.cache / check_key(key)).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            return True
        except Exception as exc:
            if self._missing(exc):
                return False
            raise

    def local_path(self, key: str) -> Path:
        path = self.cache / check_key(key)
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".part")
        os.close(fd)
        try:
            try:
                self.client.download_file(self.bucket, self._name(key), tmp)
            except Exception as exc:
                if self._missing(exc):
                    raise NotStored(key) from None
                raise
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def make_storage(settings: Any) -> Storage:
    """The store the settings name: ``storage_backend`` "file" (default) or "s3"."""
    backend = str(getattr(settings, "storage_backend", "file") or "file")
    if backend == "file":
        return FileStorage(settings.instance_path)
    if backend == "s3":
        return S3Storage(settings.s3_bucket, settings.s3_endpoint_url,
                         Path(settings.instance_path) / "storage-cache", settings.s3_prefix)
    raise StorageError(f"storage_backend must be 'file' or 's3', not {backend!r}")
