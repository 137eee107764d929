"""Unpack pinned front-end packages from the npm registry into portal/static/vendor/.

Front-end libraries come from a registry package, pinned, never a CDN and never copied
into the repository by hand (DESIGN.md). npm itself is not needed: the tarball is
fetched over HTTPS and checked against the sha512 integrity recorded in vendor.json,
the same check `npm ci` makes. Run: `python -m portal.vendor` (idempotent).

Files are unpacked byte for byte as published, source maps included: a source map
comment left pointing at nothing breaks `collectstatic` with the manifest storage
production uses, and shipping the maps (they embed their sources) keeps production
debuggable and every vendored file identical to the registry's. After unpacking, every
reference inside a vendored CSS or JS file (url(), @import, sourceMappingURL) must resolve
to a vendored file, or this exits with the list of what to add to vendor.json.
"""

import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "vendor.json"
TARGET = HERE / "static" / "vendor"


def _stamp(package: dict, target: Path) -> Path:
    return target / f".{package['name']}@{package['version']}"


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


def install(package: dict, target: Path = TARGET) -> bool:
    """Unpack one package's files; returns False when it was already there."""
    stamp = _stamp(package, target)
    if stamp.exists() and all((target / dest).exists() for dest in package["files"].values()):
        return False
    data = _fetch(package)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for source, dest in package["files"].items():
            member = archive.extractfile(source)
            if member is None:
                raise SystemExit(f"{package['name']}: {source} is not in the tarball")
            out = target / dest
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(member.read())
    stamp.write_text(package["integrity"])
    return True


# The references Django's ManifestStaticFilesStorage follows (HashedFilesMixin.patterns);
# each must name a file that is there, or `collectstatic` fails.
REFERENCE_PATTERNS = {
    ".css": (
        re.compile(r"""url\((['"]?)\s*(?P<url>.*?)\1\)"""),
        re.compile(r"""@import\s*["']\s*(?P<url>.*?)["']"""),
        re.compile(r"(?m)^/\*#[ \t]sourceMappingURL=(?P<url>.*?)[ \t]*\*/$"),
    ),
    ".js": (re.compile(r"(?m)^//# sourceMappingURL=(?P<url>.*?)\s*$"),),
}
EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


def references(path: Path) -> list[str]:
    """The local files a CSS or JS file points at (query and fragment dropped)."""
    patterns = REFERENCE_PATTERNS.get(path.suffix, ())
    text = path.read_text(encoding="utf-8", errors="replace") if patterns else ""
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            url = match.group("url").strip()
            if url and not EXTERNAL.match(url):
                found.append(re.split(r"[?#]", url, maxsplit=1)[0])
    return found


def unresolved_references(root: Path = TARGET) -> list[str]:
    """Every `file -> reference` under root whose target is not a file under root."""
    root = root.resolve()
    problems = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        for reference in references(path):
            target = (path.parent / reference).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                problems.append(f"{path.relative_to(root)} -> {reference}")
    return problems


def main(lock: Path = LOCK, target: Path = TARGET) -> int:
    target.mkdir(parents=True, exist_ok=True)
    for package in json.loads(lock.read_text())["packages"]:
        if install(package, target):
            print(f"vendored {package['name']}@{package['version']}")
    problems = unresolved_references(target)
    if problems:
        raise SystemExit(
            "Vendored files reference files that were not unpacked; add them to the package's"
            f' "files" in {lock.name}:\n  ' + "\n  ".join(problems)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
