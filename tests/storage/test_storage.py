"""One storage interface (processes/storage.py): the file backend by default, an S3-compatible store
when configured (tested against moto's S3 server), and the document cache shared through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from processes.documents.cache import cached, shared_in
from processes.settings import load_settings
from processes.storage import FileStorage, NotStored, S3Storage, StorageError, make_storage
from tests.support.s3 import bucket, client, s3_server


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


def _exercise(store) -> None:  # noqa: ANN001
    key = "uploads/REC-2026-00001/m03-abc.pdf"
    assert not store.exists(key)
    store.put(key, b"%PDF-1.4 one", "application/pdf")
    assert store.exists(key)
    assert store.get(key) == b"%PDF-1.4 one"
    with store.open(key) as fh:
        assert fh.read() == b"%PDF-1.4 one"
    assert store.local_path(key).read_bytes() == b"%PDF-1.4 one"
    store.put(key, b"%PDF-1.4 two")
    assert store.get(key) == b"%PDF-1.4 two"
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(NotStored):
        store.get(key)
    with pytest.raises(NotStored):
        store.local_path(key)
    for bad in ("", "/etc/passwd", "uploads/../../x", "a//b", "a\\b"):
        with pytest.raises(StorageError):
            store.put(bad, b"x")


def test_the_file_backend(tmp_path):
    _exercise(FileStorage(tmp_path))
    FileStorage(tmp_path).put("uploads/A/x.pdf", b"x")
    assert (tmp_path / "uploads" / "A" / "x.pdf").read_bytes() == b"x"  # the key is the relative path


def test_the_s3_backend(tmp_path, s3_endpoint):
    store = S3Storage(bucket(s3_endpoint, "unit"), s3_endpoint, tmp_path / "cache", client=client(s3_endpoint))
    _exercise(store)
    store.put("uploads/B/y.pdf", b"y")
    assert client(s3_endpoint).get_object(Bucket="unit", Key="uploads/B/y.pdf")["Body"].read() == b"y"


def test_settings_choose_the_backend(tmp_path, monkeypatch, s3_endpoint):
    assert isinstance(make_storage(load_settings("test", instance_path=str(tmp_path))), FileStorage)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = load_settings("test", instance_path=str(tmp_path), storage_backend="s3", s3_bucket=bucket(
        s3_endpoint, "configured"), s3_endpoint_url=s3_endpoint)
    store = make_storage(settings)
    assert isinstance(store, S3Storage)
    store.put("uploads/C/z.pdf", b"z")  # credentials from the environment
    assert store.get("uploads/C/z.pdf") == b"z"
    with pytest.raises(StorageError):
        make_storage(load_settings("test", instance_path=str(tmp_path), storage_backend="s3"))
    with pytest.raises(StorageError):
        make_storage(load_settings("test", instance_path=str(tmp_path), storage_backend="ftp"))


def test_a_document_built_on_one_host_is_fetched_not_rebuilt_on_another(tmp_path, s3_endpoint):
    name = bucket(s3_endpoint, "docs")
    builds: list[Path] = []

    def build(path: Path) -> None:
        builds.append(path)
        path.write_bytes(b"%PDF-1.4 built")

    paths = []
    for host in ("a", "b"):
        instance = tmp_path / host
        store = S3Storage(name, s3_endpoint, instance / "storage-cache", client=client(s3_endpoint))
        folder = instance / "documents" / "REC-2026-00001"
        paths.append(cached(folder, "m02", "k1", ".pdf", build, shared_in(store, instance, folder)))
    assert len(builds) == 1
    assert paths[1].read_bytes() == b"%PDF-1.4 built" and paths[1].is_relative_to(tmp_path / "b")
    assert client(s3_endpoint).get_object(Bucket=name, Key="documents/REC-2026-00001/m02-k1.pdf")
    # the file backend is the cache folder itself: nothing to share
    assert shared_in(FileStorage(tmp_path / "a"), tmp_path / "a", tmp_path / "a" / "documents" / "X") is None
