"""factory: turn real material and a teacher LLM into validated training sets for tiny students.

The library lives here; `factory.cli` (with its parts factory/cli_*.py) is the only command-line layer. Heavy imports
(torch, distilabel, sentence-transformers) happen inside the functions that need them.
"""

from pathlib import Path

__version__ = "0.1.0"

# The repository (or site-packages) root: built-in recipes live in pipelines/; the JSON Schemas they
# share in factory/schemas/ (package data, so that an installed wheel has them).
ROOT = Path(__file__).resolve().parent.parent
PIPELINES_DIR = ROOT / "pipelines"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
