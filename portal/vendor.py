"""Front-end packages from the npm registry, pinned, into portal/static/vendor/; no Node needed.

Front-end libraries come from a registry package, pinned, never a CDN and never copied
into the repository by hand (DESIGN.md). npm itself is not needed: each tarball is
fetched over HTTPS and checked against its sha512 integrity, the same check `npm ci`
makes. Two sources:

- vendor.json: files used as they are (Bootstrap, htmx, Chart.js).
- frontend/package-lock.json (written by npm, committed): the packages our own modules
  import (Yjs, y-websocket, CodeMirror...). Every locked package for this platform is
  unpacked into var/npm/node_modules, then esbuild, itself the locked registry package
  for this machine (@esbuild/linux-x64 or -arm64, a native binary), bundles each entry
  of frontend/src/ into static/vendor/tandem/. To change a version: edit
  frontend/package.json, run `npm install --package-lock-only` where Node exists,
  commit the lock.

Files are unpacked byte for byte as published, source maps included: a source map
comment left pointing at nothing breaks `collectstatic` with the manifest storage
production uses, and shipping the maps (they embed their sources) keeps production
debuggable and every vendored file identical to the registry's. After unpacking, every
reference inside a vendored CSS or JS file (url(), @import, sourceMappingURL) must resolve
to a vendored file, or this exits with the list of what to add to vendor.json.

Run: `python -m portal.vendor` (idempotent; `make install` runs it).
"""

import base64
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "vendor.json"
TARGET = HERE / "static" / "vendor"
FRONTEND = HERE / "frontend"
NPM_LOCK = FRONTEND / "package-lock.json"
NODE_MODULES = Path(os.environ.get("VAR_DIR") or HERE.parent / "var") / "npm" / "node_modules"
BUNDLES = TARGET / "tandem"
REGISTRY = "https://registry.npmjs.org"
# Our modules, bundled for the browser: source file -> bundle name.
ENTRIES = {"persona-editor.js": "persona-editor.js"}


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


NPM_OS = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
NPM_CPU = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine().lower()
)


def _allows(values: list[str] | None, wanted: str) -> bool:
    """npm's `os`/`cpu` fields: allowed values, or exclusions written "!value"."""
    if not values:
        return True
    if f"!{wanted}" in values:
        return False
    allowed = [value for value in values if not value.startswith("!")]
    return not allowed or wanted in allowed


def _for_this_machine(entry: dict) -> bool:
    return _allows(entry.get("os"), NPM_OS) and _allows(entry.get("cpu"), NPM_CPU)


def locked_packages() -> list[dict]:
    """Every package in the npm lock this machine needs, as {name, version, tarball, integrity}."""
    lock = json.loads(NPM_LOCK.read_text())
    packages = []
    for path, entry in lock["packages"].items():
        if not path or not _for_this_machine(entry):
            continue
        name = path.rsplit("node_modules/", 1)[-1]
        packages.append(
            {
                "name": name,
                "path": path,
                "version": entry["version"],
                # npm may leave `resolved` out of the lock: the registry's standard address.
                "tarball": entry.get("resolved")
                or f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{entry['version']}.tgz",
                "integrity": entry["integrity"],
            }
        )
    return packages


def install_npm(package: dict) -> bool:
    """Unpack a whole locked package into var/npm/<its lock path>; False if already there."""
    folder = NODE_MODULES.parent / package["path"]
    stamp = folder / ".tandem-integrity"
    if stamp.exists() and stamp.read_text() == package["integrity"]:
        return False
    data = _fetch(package)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            # Every npm tarball has one top folder (usually "package/"); strip it, and never
            # write outside the package's folder.
            relative = Path(*Path(member.name).parts[1:])
            target = (folder / relative).resolve()
            if not str(target).startswith(str(folder.resolve())) or not relative.parts:
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())
                if member.mode & 0o111:
                    target.chmod(0o755)
    stamp.write_text(package["integrity"])
    return True


def _sources_digest() -> str:
    digest = hashlib.sha256(NPM_LOCK.read_bytes())
    for path in sorted((FRONTEND / "src").rglob("*.js")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def bundle() -> bool:
    """Bundle our entry modules with the locked esbuild; False when nothing changed."""
    stamp = BUNDLES / ".sources"
    digest = _sources_digest()
    outputs = [BUNDLES / name for name in ENTRIES.values()]
    if stamp.exists() and stamp.read_text() == digest and all(p.exists() for p in outputs):
        return False
    esbuild = NODE_MODULES / "@esbuild" / f"{NPM_OS}-{NPM_CPU}" / "bin" / "esbuild"
    if not esbuild.exists():
        raise SystemExit(f"no esbuild for {NPM_OS}-{NPM_CPU} in {NPM_LOCK}")
    BUNDLES.mkdir(parents=True, exist_ok=True)
    for source, name in ENTRIES.items():
        subprocess.run(  # noqa: S603 (the locked esbuild binary, our own arguments)
            [
                str(esbuild),
                str(FRONTEND / "src" / source),
                "--bundle",
                "--format=iife",
                "--target=es2020",
                "--minify",
                "--sourcemap",
                "--legal-comments=linked",
                "--log-level=warning",
                f"--outfile={BUNDLES / name}",
            ],
            check=True,
            env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        )
    stamp.write_text(digest)
    return True


def main(lock: Path = LOCK, target: Path = TARGET, *, bundle_modules: bool = True) -> int:
    target.mkdir(parents=True, exist_ok=True)
    for package in json.loads(lock.read_text())["packages"]:
        if install(package, target):
            print(f"vendored {package['name']}@{package['version']}")
    if bundle_modules:
        for package in locked_packages():
            if install_npm(package):
                print(f"unpacked {package['name']}@{package['version']}")
        if bundle():
            print(f"bundled {', '.join(ENTRIES.values())} into {BUNDLES}")
    problems = unresolved_references(target)
    if problems:
        raise SystemExit(
            "Vendored files reference files that were not unpacked; add them to the package's"
            f' "files" in {lock.name}:\n  ' + "\n  ".join(problems)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
