"""Unpack pinned front-end packages from the npm registry into portal/static/vendor/.

Front-end libraries come from a registry package, pinned, never a CDN and never copied
into the repository by hand (DESIGN.md). npm itself is not needed: the tarball is
fetched over HTTPS and checked against the sha512 integrity recorded in vendor.json,
the same check `npm ci` makes. Run: `python -m portal.vendor` (idempotent).
"""

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "vendor.json"
TARGET = HERE / "static" / "vendor"


def _stamp(package: dict) -> Path:
    return TARGET / f".{package['name']}@{package['version']}"


def _fetch(package: dict) -> bytes:
    with urllib.request.urlopen(package["tarball"], timeout=60) as response:  # noqa: S310 (pinned https URL)
        data = response.read()
    algorithm, expected = package["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(
            f"{package['name']}@{package['version']}: integrity mismatch, refusing to unpack"
        )
    return data


def install(package: dict) -> bool:
    """Unpack one package's files; returns False when it was already there."""
    stamp = _stamp(package)
    if stamp.exists() and all((TARGET / dest).exists() for dest in package["files"].values()):
        return False
    data = _fetch(package)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for source, dest in package["files"].items():
            member = archive.extractfile(source)
            if member is None:
                raise SystemExit(f"{package['name']}: {source} is not in the tarball")
            out = TARGET / dest
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(member.read())
    stamp.write_text(package["integrity"])
    return True


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for package in json.loads(LOCK.read_text())["packages"]:
        if install(package):
            print(f"vendored {package['name']}@{package['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
