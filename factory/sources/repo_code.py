"""A local checkout's Python code, read with `ast` (nothing is imported or run): files, modules, definitions.

- `open_checkout(repo)`: the root, the commit (`git rev-parse HEAD`), the tracked files and those
  changed since (a file changed says `@<commit>-dirty`); not a git checkout: the folder is walked
  and `where` is `path:line`.
- `read_code(repo)`: one item per top-level function, class and method of the repo's code:
  {"kind": "function"|"class"|"method", "name", "qualname", "module" (dotted), "signature",
  "docstring", "source" (with decorators, dedented), "path", "line", "end_line",
  "where": "path@commit:line"}.
- helpers shared with the test linking (factory.sources.repo): `module_name`, `matches`,
  `signature`, `definition_source`, `first_line`, `parse_file`, `files_of`.
Patterns are shell-style on the repo-relative POSIX path; `*` also matches `/`, and a leading
`**/` also matches at the top. A file that is not UTF-8, binary, too large (base's reasons) or
not valid Python (`code_syntax_error`) is a `Rejected`. Tests are not read here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import textwrap
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from factory.record import Rejected
from factory.sources.base import expand, read_text

DEFAULT_INCLUDE = ("**/*.py",)
NOT_SOURCE = (
    ".venv/*",
    "venv/*",
    "*/.venv/*",
    "*/venv/*",
    "*/site-packages/*",
    "build/*",
    "dist/*",
    ".tox/*",
    "*/__pycache__/*",
    "*/node_modules/*",
    "node_modules/*",
    "*.egg-info/*",
    ".git/*",
)
NOT_CODE = (
    "tests/*",
    "test/*",
    "*/tests/*",
    "*/test/*",
    "test_*.py",
    "*/test_*.py",
    "*_test.py",
    "conftest.py",
    "*/conftest.py",
)
DEFAULT_EXCLUDE = NOT_CODE + NOT_SOURCE
TEST_FILES = ("test_*.py", "*/test_*.py", "*_test.py")
MAX_SOURCE_BYTES = 1024 * 1024  # a .py file over this is skipped (source_too_large)
Function = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Checkout:
    root: Path
    commit: str | None  # None: not a git checkout (or no commit yet)
    dirty: frozenset[str]  # tracked files changed since the commit
    tracked: tuple[str, ...] | None  # git ls-files; None: walk the folder

    def where(self, rel: str, line: int) -> str:
        if self.commit is None:
            return f"{rel}:{line}"
        return f"{rel}@{self.commit}{'-dirty' if rel in self.dirty else ''}:{line}"


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def open_checkout(repo: str | os.PathLike) -> Checkout:
    root = Path(repo).expanduser().resolve()
    listing = _git(root, "ls-files", "-z")
    if listing is None:
        return Checkout(root, None, frozenset(), None)
    head = _git(root, "rev-parse", "HEAD")
    prefix = (
        _git(root, "rev-parse", "--show-prefix") or ""
    ).strip()  # `repo` may be a folder inside a checkout
    status = _git(root, "status", "--porcelain", "-z", "--untracked-files=no", "--", ".") or ""
    dirty = frozenset(
        entry[3:].removeprefix(prefix)
        for entry in status.split("\0")
        if len(entry) > 3 and entry[2] == " "
    )  # porcelain paths are relative to the top
    return Checkout(
        root, head.strip() if head else None, dirty, tuple(p for p in listing.split("\0") if p)
    )


def matches(rel: str, patterns: Iterable[str]) -> bool:
    return any(
        fnmatchcase(rel, p) or (p.startswith("**/") and fnmatchcase(rel, p[3:])) for p in patterns
    )


def files_of(checkout: Checkout) -> Iterator[str | Rejected]:
    """Repo-relative POSIX paths of every file (sorted), or Rejected for broken links."""
    if checkout.tracked is not None:
        for rel in sorted(checkout.tracked):
            path = checkout.root / rel
            if path.is_symlink() and not path.exists():
                yield Rejected.at(str(path), "source_broken_link", f"points to {os.readlink(path)}")
            elif not path.exists():
                yield Rejected.at(
                    str(path), "source_missing", "tracked by git but not in the working tree"
                )
            elif path.is_file():  # a folder here is a submodule: not this repo's code
                yield rel
        return
    for item in expand(checkout.root):
        yield item if isinstance(item, Rejected) else item.relative_to(checkout.root).as_posix()


def module_name(rel: str) -> str:
    """Dotted module of a repo path: a/b/c.py -> a.b.c, a/__init__.py -> a, src/a/b.py -> a.b."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if len(parts) > 1 and parts[0] == "src":
        parts.pop(0)
    return ".".join(parts)


def parse_file(checkout: Checkout, rel: str, max_bytes: int) -> tuple[str, ast.Module] | Rejected:
    path = checkout.root / rel
    text = read_text(path, max_bytes)
    if isinstance(text, Rejected):
        return text
    try:
        return text, ast.parse(text, filename=rel)
    except SyntaxError as exc:
        return Rejected.at(f"{path}:{exc.lineno or 0}", "code_syntax_error", exc.msg)
    except ValueError as exc:  # NUL bytes past the sniffed head
        return Rejected.at(str(path), "code_syntax_error", str(exc))


def signature(node: ast.AST, text: str | None = None) -> str:
    """`def name(params) -> ret` as written (from `text`, without the colon), or normalised by ast.unparse."""
    if text is not None and not isinstance(node, ast.ClassDef) and node.body:
        span = ast.Pass(
            lineno=node.lineno,
            col_offset=node.col_offset,
            end_lineno=node.body[0].lineno,
            end_col_offset=node.body[0].col_offset,
        )
        header = (ast.get_source_segment(text, span, padded=True) or "").rstrip()
        if header.endswith(":"):
            return textwrap.dedent(header[:-1].rstrip())
    if isinstance(node, ast.ClassDef):
        bases = [ast.unparse(b) for b in node.bases] + [ast.unparse(k) for k in node.keywords]
        return f"class {node.name}({', '.join(bases)})" if bases else f"class {node.name}"
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"


def first_line(node: ast.AST) -> int:
    return min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])


def definition_source(text: str, node: ast.AST) -> str:
    """The definition's text with its decorators, dedented (a method reads like a function)."""
    span = ast.Pass(
        lineno=first_line(node),
        col_offset=node.col_offset,
        end_lineno=node.end_lineno,
        end_col_offset=node.end_col_offset,
    )
    return textwrap.dedent(ast.get_source_segment(text, span, padded=True) or "")


def _definitions(tree: ast.Module) -> Iterator[tuple[str, str, ast.AST]]:
    for node in tree.body:
        if isinstance(node, Function):
            yield "function", node.name, node
        elif isinstance(node, ast.ClassDef):
            yield "class", node.name, node
            for child in node.body:
                if isinstance(child, Function):
                    yield "method", f"{node.name}.{child.name}", child


def read_code(
    repo: str | os.PathLike,
    *,
    include: Iterable[str] = DEFAULT_INCLUDE,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> Iterator[dict | Rejected]:
    """Every top-level function, class and method of the repo's Python code (see the module docstring)."""
    checkout = open_checkout(repo)
    include, exclude = tuple(include), tuple(exclude)
    for rel in files_of(checkout):
        if isinstance(rel, Rejected):
            yield rel
            continue
        if not matches(rel, include) or matches(rel, exclude):
            continue
        parsed = parse_file(checkout, rel, max_bytes)
        if isinstance(parsed, Rejected):
            yield parsed
            continue
        text, tree = parsed
        module = module_name(rel)
        for kind, qualname, node in _definitions(tree):
            yield {
                "kind": kind,
                "name": node.name,
                "qualname": qualname,
                "module": module,
                "signature": signature(node, text),
                "docstring": ast.get_docstring(node) or "",
                "source": definition_source(text, node),
                "path": rel,
                "line": node.lineno,
                "end_line": node.end_lineno,
                "where": checkout.where(rel, node.lineno),
            }
