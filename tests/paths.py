"""Where things are: the template repository and its parts."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIER_YML = ROOT / "copier.yml"
TEMPLATE_DIR = ROOT / "template"
VENV_BIN = ROOT / ".venv" / "bin"
