"""factory: turn real material and a teacher LLM into validated training sets for tiny students.

The library lives here; `factory.cli` is the only command-line layer. Heavy imports
(torch, distilabel, sentence-transformers) happen inside the functions that need them.
"""

from pathlib import Path

__version__ = "0.1.0"

# The repository root: recipes live in pipelines/, JSON Schemas in schemas/.
ROOT = Path(__file__).resolve().parent.parent
PIPELINES_DIR = ROOT / "pipelines"
SCHEMAS_DIR = ROOT / "schemas"
