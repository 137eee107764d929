"""Vendored front-end packages are complete: everything a vendored file points at is there.

collectstatic's manifest storage follows url(), @import and sourceMappingURL references
and fails the production build on one that names a missing file (issue 18: Chart.js's
source map). portal.vendor refuses to finish in that case; these tests hold it to that.
"""

import json

import pytest

from portal import vendor


def test_every_reference_inside_the_vendored_files_resolves():
    assert vendor.unresolved_references(vendor.TARGET) == []


def test_every_file_vendor_json_lists_is_unpacked():
    packages = json.loads(vendor.LOCK.read_text())["packages"]
    listed = [dest for package in packages for dest in package["files"].values()]
    assert [dest for dest in listed if not (vendor.TARGET / dest).is_file()] == []


def test_references_the_manifest_storage_follows_are_found(tmp_path):
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "icons.woff2").write_bytes(b"wOF2")
    (tmp_path / "lib.min.js").write_text(
        'var a="//# sourceMappingURL=in-a-string.map";\n//# sourceMappingURL=lib.min.js.map\n'
    )
    (tmp_path / "site.css").write_text(
        '@import "base.css";\n'
        '@font-face{src:url("fonts/icons.woff2?v=3") format("woff2"),url(fonts/icons.woff#x)}\n'
        ".a{background:url('data:image/svg+xml,%3csvg/%3e')}"
        ".b{background:url(https://cdn.example.com/x.png)}.c{behavior:url(#ref)}\n"
        "/*# sourceMappingURL=site.css.map */"
    )
    assert vendor.references(tmp_path / "lib.min.js") == ["lib.min.js.map"]
    assert sorted(vendor.references(tmp_path / "site.css")) == [
        "base.css",
        "fonts/icons.woff",
        "fonts/icons.woff2",
        "site.css.map",
    ]
    assert sorted(vendor.unresolved_references(tmp_path)) == [
        "lib.min.js -> lib.min.js.map",
        "site.css -> base.css",
        "site.css -> fonts/icons.woff",
        "site.css -> site.css.map",
    ]


def test_a_reference_outside_the_vendored_folder_does_not_count(tmp_path):
    (tmp_path / "outside.js.map").write_text("{}")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.js").write_text("//# sourceMappingURL=../outside.js.map\n")
    assert vendor.unresolved_references(tmp_path / "vendor") == ["lib.js -> ../outside.js.map"]


def test_the_unpacker_refuses_to_finish_while_a_reference_is_missing(tmp_path):
    """`make install` and the image build stop, naming the file to add to vendor.json."""
    target = tmp_path / "vendor"
    for source in vendor.TARGET.rglob("*"):
        if source.is_file():
            copy = target / source.relative_to(vendor.TARGET)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())
    # The package's stamp stays, and its listed files are there, so nothing is fetched;
    # only the map its script points at is gone, as when vendor.json forgot to list it.
    (target / "chartjs" / "chart.umd.min.js.map").unlink()
    lock = tmp_path / "vendor.json"
    packages = json.loads(vendor.LOCK.read_text())["packages"]
    for package in packages:
        package["files"] = {
            source: dest for source, dest in package["files"].items() if not dest.endswith(".map")
        }
    lock.write_text(json.dumps({"packages": packages}))
    with pytest.raises(SystemExit) as stopped:
        vendor.main(lock, target)
    assert "chartjs/chart.umd.min.js -> chart.umd.min.js.map" in str(stopped.value)
    assert 'add them to the package\'s "files" in vendor.json' in str(stopped.value)
