"""Apps depend one way (DESIGN.md): portal core <- personas <- campaigns <- leads, and no
module inside an app imports in a circle.

The contracts live in pyproject.toml ([tool.importlinter]); `make test` also runs
`lint-imports` before pytest. Only the composition layer (portal/urls.py,
portal/dashboard/) may import the feature apps.
"""

import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        code = lint_imports(no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)
    assert code == 0, capsys.readouterr().out
