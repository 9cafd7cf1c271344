"""Zip archives are opened without trusting them."""

import io
import stat
import zipfile
from pathlib import PurePosixPath

import pytest

from autograder.intake import archive
from autograder.intake.archive import ArchiveError, extract, member_name


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """members: (name or ZipInfo, bytes)."""
    with zipfile.ZipFile(path, "w", compression) as opened:
        for name, data in members:
            opened.writestr(name, data)
    return path


def zip_bytes(members) -> bytes:
    buffer = io.BytesIO()
    make_zip(buffer, members)
    return buffer.getvalue()


def link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def by_name(members):
    return {str(member.name): member for member in members}


def test_members_are_written_under_numbered_names_never_their_own(tmp_path):
    source = make_zip(tmp_path / "in.zip", [("a/b/alice.ipynb", b"{}"), ("../../evil.ipynb", b"{}"),
                                            ("/etc/passwd.ipynb", b"{}"), ("C:/x.ipynb", b"{}"),
                                            link("linked.ipynb", "/etc/shadow"), ("dir/", b"")])
    scratch = tmp_path / "scratch"
    members = by_name(extract(source, scratch))
    assert members["a/b/alice.ipynb"].path.read_bytes() == b"{}"
    assert members["a/b/alice.ipynb"].path.parent == scratch
    for name in ("evil.ipynb", "etc/passwd.ipynb", "C:/x.ipynb"):
        assert members[name].path is None and "leaves the archive" in members[name].problem, name
    assert members["linked.ipynb"].path is None and "symbolic link" in members["linked.ipynb"].problem
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["000001.ipynb", "in.zip"]


def test_a_zip_bomb_is_refused_and_the_other_members_kept(tmp_path):
    source = make_zip(tmp_path / "bomb.zip", [("bomb.ipynb", b"\0" * (20 * 2**20)), ("ok.ipynb", b"{}")])
    members = by_name(extract(source, tmp_path / "scratch"))
    assert members["bomb.ipynb"].path is None and "zip bomb" in members["bomb.ipynb"].problem
    assert members["ok.ipynb"].path is not None
    assert sum(p.stat().st_size for p in (tmp_path / "scratch").iterdir()) == 2


def test_limits_on_size_and_count(tmp_path, monkeypatch):
    source = make_zip(tmp_path / "big.zip", [(f"n{i}.ipynb", bytes(range(256)) * 40) for i in range(5)],
                      zipfile.ZIP_STORED)
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1000)
    assert all("more than" in m.problem for m in extract(source, tmp_path / "s1"))
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 10**6)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 4)
    with pytest.raises(ArchiveError, match="more than 4 files"):
        extract(source, tmp_path / "s2")
    monkeypatch.setattr(archive, "MAX_MEMBERS", 100)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 30_000)
    with pytest.raises(ArchiveError, match="unpack to"):
        extract(source, tmp_path / "s3")


def test_a_member_that_unpacks_to_more_than_it_declares_is_refused(tmp_path):
    data = b"x" * 5000
    raw = bytearray(zip_bytes([("liar.ipynb", data)]))
    central = raw.rindex(b"PK\x01\x02")  # the central directory's record: its uncompressed size at offset 24
    raw[central + 24:central + 28] = (100).to_bytes(4, "little")
    (tmp_path / "liar.zip").write_bytes(bytes(raw))
    [member] = extract(tmp_path / "liar.zip", tmp_path / "scratch")
    assert member.path is None and member.problem.startswith("refused")
    assert not list((tmp_path / "scratch").iterdir())


def test_a_zip_inside_a_zip_is_opened_one_level_deep(tmp_path):
    inner = zip_bytes([("hw/lr.ipynb", b"{}"), ("hw/.DS_Store", b"x")])
    deeper = zip_bytes([("deep.zip", zip_bytes([("x.ipynb", b"{}")]))])
    source = make_zip(tmp_path / "outer.zip", [("smithjo_12_34_hw.zip", inner), ("nested.zip", deeper)])
    members = by_name(extract(source, tmp_path / "scratch", wanted=lambda name: name.suffix == ".ipynb"))
    assert members["smithjo_12_34_hw/hw/lr.ipynb"].path.read_bytes() == b"{}"
    assert members["smithjo_12_34_hw/hw/.DS_Store"].path is None  # not wanted: listed, not unpacked
    assert "inside an archive inside an archive" in members["nested/deep.zip"].problem
    assert not list((tmp_path / "scratch").glob("*.zip"))  # unpacked archives do not linger


def test_a_file_that_is_not_a_zip(tmp_path):
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all")
    with pytest.raises(ArchiveError, match="not a readable zip"):
        extract(tmp_path / "fake.zip", tmp_path / "scratch")


def test_member_names():
    assert member_name("a\\b/./c.ipynb") == PurePosixPath("a/b/c.ipynb")
    assert member_name("a/../b.ipynb") is None and member_name("/x") is None and member_name("D:x") is None
