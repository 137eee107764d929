"""Apps depend one way (DESIGN.md): portal core <- personas <- campaigns <- leads.

Only the composition layer (portal/urls.py, portal/routing.py, portal/dashboard/) may import
feature apps.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["portal", "personas", "campaigns", "leads"]
COMPOSITION = {
    ROOT / "portal" / "urls.py",
    ROOT / "portal" / "routing.py",
    ROOT / "portal" / "dashboard",
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(ORDER)


def is_composition(path: Path) -> bool:
    return any(path == c or c in path.parents for c in COMPOSITION)


def test_apps_never_import_upward():
    violations = []
    for level, app in enumerate(ORDER):
        higher = set(ORDER[level + 1 :])
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or is_composition(path):
                continue
            bad = imported_apps(path) & higher
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []
