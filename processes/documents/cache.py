"""Generated files cached on disk under ``<instance>/documents/``, keyed by a hash of what they show
(and, with an object store configured, shared with the other web hosts through it).

A file is rebuilt only when its key changes (the application's data, its materials, the templates).
It is written to a temporary file in the same folder and renamed into place, so a reader never sees
half a file; a lock file keeps two requests from building the same document at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from processes.storage import FileStorage, Storage


def key_of(*parts: Any) -> str:
    """A short stable hash of JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_in(store: Storage, instance_path: str | Path, folder: Path) -> tuple[Storage, str] | None:
    """Where ``folder`` (under the instance folder) is shared with the other web hosts: the object
    store's key prefix, or None when the store is this very folder (the file backend)."""
    if isinstance(store, FileStorage):
        return None
    return store, folder.resolve().relative_to(Path(instance_path).resolve()).as_posix()


def cached(folder: Path, name: str, key: str, suffix: str, build: Callable[[Path], Any],
           shared: tuple[Storage, str] | None = None) -> Path:
    """``folder/name-key.suffix``, built by ``build(temp_path)`` when missing; older versions of
    ``name`` in the folder are removed once the new one is in place. With ``shared`` (an object store
    and a key prefix: several web hosts), a file another host built is fetched instead of rebuilt,
    and one built here is put there."""
    target = folder / f"{name}-{key}{suffix}"
    if target.is_file():
        return target
    shared_key = f"{shared[1]}/{target.name}" if shared else ""
    if shared and shared[0].exists(shared_key):
        return shared[0].local_path(shared_key)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / f".{name}.lock"):
        if target.is_file():
            return target
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".part")
        os.close(fd)
        try:
            build(Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in folder.glob(f"{name}-*{suffix}"):
            if old != target:
                old.unlink(missing_ok=True)
        if shared:
            shared[0].put_file(shared_key, target)
    return target

