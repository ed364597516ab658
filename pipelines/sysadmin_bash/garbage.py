"""garbage: text that bash may parse but that is not a command line someone would type.

- `text_problem(command)`: markup (`<a href=`, `</div>`, `&lt;`), Markdown fences and bullets, JSON, and
  placeholders (`{{file}}`, `[OPTION]...`, `FILE...`, `your_file`, `...`) -> what it is, or None.
- `name_problem(name)`: a program word that cannot be a program: not a name (`-la`, `{"command":`), a
  path to a data file or a directory (`../config.json`, `/etc/nginx/nginx.conf`, `~/.bashrc`).
- `prose_problem(name, operands)`: operands that read as English (`find the largest files in /var`),
  sentence punctuation (`files.`); echo, printf and the like are exempt.
- `empty_problem(command)`: a line without any command (`<a href=`: a redirection and an assignment),
  except a bare `> file` or `NAME=value`.
The validator reports all of these as `bash_not_a_command`. It does not know programs or options.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(
    r"<[A-Za-z][\w-]*\s+[\w:-]+\s*=|</[A-Za-z][\w-]*\s*>|<!--|<!DOCTYPE|&(lt|gt|amp|quot|nbsp|#\d+);"
    r"|<(br|p|div|span|code|pre|html|body|head|ul|li|b|i|em|strong)\s*/?>",
    re.I,
)
_MARKDOWN = re.compile(r"```|^\s*([-*+]|\d+[.)])\s|^\s*#{1,6}\s|\*\*\w")
_PLACEHOLDERS = [
    re.compile(p)
    for p in (
        r"\{\{.*?\}\}",
        r"^\[[A-Z][A-Z_ -]{2,}\](\.\.\.)?$",
        r"^[A-Z][A-Z_]+\.\.\.$",
        r"^(\.\.\.|…)$",
        r"^(?i:your)[_-]\w+",
        r"^<[A-Za-z_ -]+>$",
    )
]
_NAME = re.compile(r"^[\w][\w.+@-]*$")
_DATA = {
    "json",
    "txt",
    "log",
    "conf",
    "cfg",
    "ini",
    "yaml",
    "yml",
    "xml",
    "html",
    "htm",
    "csv",
    "tsv",
    "md",
    "gz",
    "bz2",
    "xz",
    "tar",
    "tgz",
    "zip",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "pdf",
    "iso",
    "img",
    "db",
    "sqlite",
    "pem",
    "crt",
    "key",
    "c",
    "h",
    "o",
    "so",
    "service",
    "socket",
    "timer",
    "list",
    "d",
    "bak",
    "old",
    "tmp",
    "lock",
}
_SCRIPT = {
    "sh",
    "bash",
    "py",
    "pl",
    "rb",
    "js",
    "php",
    "run",
    "bin",
    "AppImage",
    "exe",
    "jar",
    "zsh",
    "ksh",
    "awk",
}
_PROGRAM_DIRS = re.compile(r"(^|/)(s?bin|libexec|init\.d|games|scripts?|\.bin|tools|hooks)/")
_STRONG = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "please",
    "you",
    "your",
    "this",
    "that",
    "these",
    "which",
    "what",
    "how",
    "is",
    "are",
    "was",
    "were",
    "than",
    "should",
    "would",
    "could",
    "using",
    "it",
    "its",
    "we",
    "i",
    "my",
    "me",
    "can",
    "will",
    "there",
    "here",
    "just",
    "then",
    "also",
    "command",
    "following",
}
_SAYERS = {
    "echo",
    "printf",
    "logger",
    "wall",
    "write",
    "notify-send",
    "say",
    "espeak",
    "figlet",
    "cowsay",
    "banner",
    "toilet",
    "whiptail",
    "dialog",
    "zenity",
    "yes",
    "read",
    "git",
    "mail",
    "mailx",
    "sendmail",
    "ufw",
    "nft",
    "tc",
    "ip",
    "bc",
    "expr",
    "test",
    "[",
    "let",
    "xmessage",
    "msg",
    "kdialog",
    "trap",
    "alias",
    "export",
}


def _unquoted(text: str) -> str:
    return re.sub(r"'[^']*'|\"(\\.|[^\"\\])*\"", "''", text)


def text_problem(command: str) -> str | None:
    bare = _unquoted(command)
    if _MARKUP.search(bare):
        return "markup (HTML or XML), not a command line"
    if _MARKDOWN.search(command):
        return "Markdown, not a command line"
    if re.match(r"\s*[\[{]\s*[\"'{\[]", command):
        return "JSON, not a command line"
    for word in bare.split():
        if any(p.search(word) for p in _PLACEHOLDERS):
            return f"{word!r} is a placeholder, not a value"
    return None


def name_problem(name: str) -> str | None:
    if "/" not in name:
        return None if _NAME.match(name) else f"{name!r} is not a program name"
    base = name.rstrip("/").rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1] if "." in base.lstrip(".") else ""
    if name.endswith("/") or not base or base.startswith(".") or extension.lower() in _DATA:
        return f"{name!r} is a path to a file or folder, not a program"
    if name.startswith(("./", "../", "~/")) or extension in _SCRIPT or _PROGRAM_DIRS.search(name):
        return None
    return f"{name!r} is a path outside any program folder, not a program"


def prose_problem(name: str, operands: list[tuple[str, str]]) -> str | None:
    """operands: (text, raw) pairs of the words after the program's options."""
    if name.rsplit("/", 1)[-1] in _SAYERS:
        return None
    plain = [
        text for text, raw in operands if text == raw and re.fullmatch(r"[A-Za-z']+[.,!?]?", text)
    ]
    if any(re.fullmatch(r"[A-Za-z]{2,}[.,!?]", word) for word in plain):
        return "it ends a sentence: prose, not a command line"
    strong = sum(word.lower().strip(".,!?") in _STRONG for word in plain)
    if strong >= 2 or strong and len(plain) >= 3 and len(plain) >= 0.6 * len(operands):
        return "its operands read as English prose, not as a command line"
    return None


def empty_problem(command: str) -> str | None:
    stripped = command.strip()
    if re.fullmatch(r"(>|>>|>\|)\s*[\w./~$-]+", stripped) or re.fullmatch(
        r"([A-Za-z_]\w*=\S*\s*)+", stripped
    ):
        return None
    return "there is no command in it"
