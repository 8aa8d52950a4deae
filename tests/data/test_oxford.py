"""The Oxford-IIIT Pet route: torchvision's real download code against small archives on 127.0.0.1."""
import hashlib

import pytest
from torchvision.datasets import OxfordIIITPet

from catdog_lib.errors import CatdogError
from catdog_lib.prepare import prepare

from .conftest import make_tar_gz, photo_bytes

# Breed names as in the data set: cats are capitalised, dogs are not. Species: 1 cat, 2 dog.
BREEDS = [("Abyssinian", 1, 1), ("Bengal", 6, 1), ("beagle", 3, 2), ("pug", 26, 2)]


@pytest.fixture(scope="module")
def pet_archives(photos_dir):
    """``images.tar.gz`` and ``annotations.tar.gz`` in the data set's layout: 4 breeds, 4 photos each."""
    images, trainval, test = {}, [], []
    taken = {"cat": 0, "dog": 0}  # a photo of its own for each image
    for breed, class_id, species in BREEDS:
        label = "cat" if species == 1 else "dog"
        for i in range(1, 5):
            image_id = f"{breed}_{i}"
            images[f"images/{image_id}.jpg"] = photo_bytes(photos_dir, label, taken[label])
            taken[label] += 1
            (trainval if i <= 3 else test).append(f"{image_id} {class_id} {species} 1")
    annotations = {
        "annotations/trainval.txt": ("\n".join(trainval) + "\n").encode(),
        "annotations/test.txt": ("\n".join(test) + "\n").encode(),
        "annotations/list.txt": b"#Image CLASS-ID SPECIES BREED ID\n" + "\n".join(trainval + test).encode(),
    }
    return {"images.tar.gz": make_tar_gz(images), "annotations.tar.gz": make_tar_gz(annotations)}


@pytest.fixture
def pet_server(local_server, pet_archives, monkeypatch):
    """Serve the archives, and point torchvision's ``_RESOURCES`` (URLs and md5 sums) at them."""
    resources = []
    for name, data in pet_archives.items():
        local_server.routes[("GET", f"/pets/{name}")] = lambda h, b, data=data: (200, {}, data)
        resources.append((f"http://127.0.0.1:{local_server.port}/pets/{name}", hashlib.md5(data).hexdigest()))
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", tuple(resources))
    monkeypatch.delenv("CATDOG_DATA", raising=False)
    return local_server


def test_oxford_pets_end_to_end(pet_server, tmp_path):
    lines = []
    prepared = prepare(source="oxford-pets", dest=tmp_path / "pets", report=lines.append)
    assert prepared.class_names == ["cat", "dog"]
    assert prepared.counts == {"train": {"cat": 6, "dog": 6}, "val": {"cat": 2, "dog": 2}}
    # Cats are the capitalised breeds, from the species column (the binary-category target).
    for part in ("train", "val"):
        for label in ("cat", "dog"):
            names = [p.name for p in (prepared.data_dir / part / label).iterdir()]
            assert all(n[0].isupper() == (label == "cat") for n in names)
    raw = tmp_path / "pets" / "raw"
    assert (raw / ".complete").is_file()
    assert not list((raw / "oxford-iiit-pet").glob("*.tar.gz"))  # unpacked, then removed

    # Again: no download, the same split.
    downloads = len(pet_server.requests)
    again = prepare(source="oxford-pets", dest=tmp_path / "pets", report=lines.append)
    assert len(pet_server.requests) == downloads
    assert again.counts == prepared.counts
    assert sorted(p.name for p in (again.data_dir / "val" / "cat").iterdir()) == \
        sorted(p.name for p in (prepared.data_dir / "val" / "cat").iterdir())


def test_a_half_unpacked_download_is_done_again(pet_server, tmp_path):
    """torchvision takes any images/ folder as finished; without our marker we start over."""
    base = tmp_path / "pets" / "raw" / "oxford-iiit-pet"
    (base / "images").mkdir(parents=True)
    (base / "annotations").mkdir()
    (base / "images" / "Abyssinian_1.jpg").write_bytes(b"half")
    prepared = prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)
    assert sum(prepared.counts["train"].values()) + sum(prepared.counts["val"].values()) == 16
    assert not prepared.skipped


def test_server_down_says_what_to_do(pet_server, tmp_path, monkeypatch):
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", (("http://127.0.0.1:9/images.tar.gz", "0" * 32),))
    with pytest.raises(CatdogError, match="could not reach the Oxford-IIIT Pet server.*CATDOG_DATA"):
        prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)
    assert not (tmp_path / "pets" / "raw" / ".complete").exists()


def test_a_corrupt_download_says_run_again(pet_server, tmp_path, monkeypatch):
    url, _ = OxfordIIITPet._RESOURCES[0]
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", ((url, "0" * 32),))
    with pytest.raises(CatdogError, match="incomplete or corrupt"):
        prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)


def test_an_error_page_says_what_to_do(pet_server, tmp_path, monkeypatch):
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", ((f"http://127.0.0.1:{pet_server.port}/nothing.tar.gz",
                                                        "0" * 32),))
    with pytest.raises(CatdogError, match="answered 404"):
        prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)


def downloads_of(server):
    """The files the server sent (torchvision first probes for redirects with a GET it marks ``Method: HEAD``)."""
    return [r[1] for r in server.requests if r[0] == "GET" and r[2].get("Method") != "HEAD"]


def test_on_drive_the_archives_are_kept_and_the_next_runtime_only_unpacks_them(pet_server, tmp_path, monkeypatch):
    """Colab: $CATDOG_DOWNLOADS is MyDrive/catdog/downloads; each lesson's runtime has a disk of its own."""
    drive = tmp_path / "MyDrive" / "catdog" / "downloads"
    monkeypatch.setenv("CATDOG_DOWNLOADS", str(drive))
    first = prepare(source="oxford-pets", dest=tmp_path / "runtime1" / "pets", report=lambda line: None)
    kept = drive / "oxford-iiit-pet"
    assert sorted(p.name for p in kept.iterdir()) == ["annotations.tar.gz", "annotations.tar.gz.complete",
                                                      "images.tar.gz", "images.tar.gz.complete"]
    assert not list((tmp_path / "runtime1").rglob("*.tar.gz"))  # on Drive only, unpacked on the runtime's disk
    fetched = downloads_of(pet_server)
    assert sorted(fetched) == ["/pets/annotations.tar.gz", "/pets/images.tar.gz"]

    lines = []  # lesson 02, a new runtime: nothing of runtime 1's disk, the same Drive
    second = prepare(source="oxford-pets", dest=tmp_path / "runtime2" / "pets", report=lines.append)
    assert downloads_of(pet_server) == fetched  # not downloaded again
    assert second.counts == first.counts and not second.skipped
    assert any("already downloaded" in line for line in lines) and not any("Downloading" in line for line in lines)
    assert (tmp_path / "runtime2" / "pets" / "raw" / "oxford-iiit-pet" / "images").is_dir()


def test_an_archive_cut_off_on_drive_is_downloaded_again(pet_server, tmp_path, monkeypatch):
    drive = tmp_path / "downloads"
    monkeypatch.setenv("CATDOG_DOWNLOADS", str(drive))
    (drive / "oxford-iiit-pet").mkdir(parents=True)
    (drive / "oxford-iiit-pet" / "images.tar.gz").write_bytes(b"\x1f\x8b cut off")  # no marker: unfinished
    prepared = prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)
    assert sum(prepared.counts["train"].values()) + sum(prepared.counts["val"].values()) == 16
    assert downloads_of(pet_server).count("/pets/images.tar.gz") == 1
