"""shell: a bash command line split into its simple commands, statically (nothing is run or expanded).

`split(command)` -> (simple commands, operators): each `Simple` holds its words (quotes removed,
`Word.raw` as written) and its redirections; the operators are the top-level `|`, `&&`, `||`,
`;`, `&`... that join them. The bodies of `$(...)`, backticks, `<(...)` and `>(...)` are split
too, and their commands follow the top-level ones. Keywords (`if`, `then`, `do`, `{`, `!`...),
leading `VAR=value` assignments, `for`/`case` headers, `case` patterns, `[[ ... ]]`, `(( ... ))`
and function names are not commands; heredoc bodies are skipped.
It does not judge syntax (bash -n does), know any command, or expand variables and globs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATORS = sorted(
    [
        "&&",
        "||",
        ";;&",
        ";;",
        ";&",
        "|&",
        "|",
        ";",
        "&>>",
        "&>",
        "&",
        "<<<",
        "<<-",
        "<<",
        "<>",
        "<&",
        ">&",
        ">>",
        ">|",
        "<",
        ">",
        "(",
        ")",
        "\n",
    ],
    key=len,
    reverse=True,
)
REDIRECTIONS = {"&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">&", ">>", ">|", "<", ">"}
OPENERS = {"!", "if", "then", "else", "elif", "do", "while", "until", "{", "coproc"}
CLOSERS = {"}", "fi", "done", "esac"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")


@dataclass
class Word:
    text: str  # quotes removed; a substitution stands as "$(...)"
    raw: str  # as written
    dynamic: bool  # holds an expansion or substitution: its value is unknown here


@dataclass
class Simple:
    words: list[Word]
    redirects: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.words[0].text


def split(command: str) -> tuple[list[Simple], list[str]]:
    tokens, substitutions = _lex(command)
    simples, operators = _simples(tokens)
    for body in substitutions:
        simples += split(body)[0]
    return simples, operators


def _lex(text: str) -> tuple[list, list[str]]:
    """Words and operator strings; the bodies of command and process substitutions."""
    tokens: list = []
    subs: list[str] = []
    chars: list[str] = []
    start, i, dynamic, heredocs = 0, 0, False, []

    def flush() -> None:
        nonlocal chars, dynamic
        if i > start and (chars or text[start:i].strip()):
            tokens.append(Word("".join(chars), text[start:i].strip(), dynamic))
        chars, dynamic = [], False

    while i < len(text):
        char = text[i]
        if char in " \t" or text.startswith("\\\n", i):
            flush()
            i += 1 + (char == "\\")
            start = i
        elif char == "#" and not chars and (i == 0 or text[i - 1] in " \t\n;|&("):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            start = i
        elif text.startswith("((", i) and i == start:  # (( arithmetic )): one word, not a command
            _, end = _balanced(text, i + 1)
            tokens.append(Word("((", text[i:end], True))
            i = start = end
        elif text.startswith(("<(", ">("), i):  # process substitution: its body is split too
            body, i = _balanced(text, i + 2)
            subs.append(body)
            chars.append("$(...)")
            dynamic = True
        elif (op := next((o for o in OPERATORS if text.startswith(o, i)), None)) is not None:
            end = i + len(op)
            if (
                chars
                and "".join(chars).isdigit()
                and op in REDIRECTIONS
                and text[start:i].isdigit()
            ):
                op, chars, start = (
                    "".join(chars) + op,
                    [],
                    i,
                )  # 2>&1: the descriptor belongs to the operator
            flush()
            tokens.append(op)
            i = end
            if op.lstrip("0123456789") in ("<<", "<<-"):
                heredocs.append(op.endswith("-"))
            if op == "\n" and heredocs:
                i = _skip_heredocs(text, i, tokens, heredocs)
                heredocs = []
            start = i
        else:
            i, dynamic = _word_part(text, i, chars, subs, dynamic)
    flush()
    return tokens, subs


def _word_part(
    text: str, i: int, chars: list[str], subs: list[str], dynamic: bool
) -> tuple[int, bool]:
    """Reads one quoted string, escape, expansion or plain character into chars; returns the next index."""
    char = text[i]
    if char == "'":
        end = text.find("'", i + 1)
        end = len(text) if end < 0 else end
        chars.append(text[i + 1 : end])
        return end + 1, dynamic
    if char == "\\":
        chars.append(text[i + 1 : i + 2])
        return i + 2, dynamic
    if char == '"':
        i += 1
        while i < len(text) and text[i] != '"':
            if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$`':
                chars.append(text[i + 1])
                i += 2
            elif text[i] in "$`":
                i, dynamic = _word_part(text, i, chars, subs, dynamic)
            else:
                chars.append(text[i])
                i += 1
        return i + 1, dynamic
    if text.startswith("$((", i) or text.startswith("${", i):
        body, end = _balanced(
            text, i + 2, "{" if text[i + 1] == "{" else "(", "}" if text[i + 1] == "{" else ")"
        )
        chars.append(text[i:end])
        return end, True
    if text.startswith("$(", i):
        body, end = _balanced(text, i + 2)
        subs.append(body)
        chars.append("$(...)")
        return end, True
    if char == "`":
        end = text.find("`", i + 1)
        end = len(text) if end < 0 else end
        subs.append(text[i + 1 : end])
        chars.append("$(...)")
        return end + 1, True
    chars.append(char)
    expands = (
        char == "$" and i + 1 < len(text) and (text[i + 1].isalnum() or text[i + 1] in "_@*#?$!-")
    )  # $HOME, $1
    return i + 1, dynamic or expands


def _balanced(text: str, i: int, opening: str = "(", closing: str = ")") -> tuple[str, int]:
    """The text up to the bracket closing an opening one just before i (quotes respected); index after it."""
    depth, start, quote = 1, i, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "'\"":
            quote = char
        elif char == "\\":
            i += 1
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return text[start:i], i + 1
        i += 1
    return text[start:], len(text)


def _skip_heredocs(text: str, i: int, tokens: list, strip_tabs: list[bool]) -> int:
    """After the newline that ends a command with heredocs: skip each body through its delimiter line."""
    delimiters = []
    for k, token in enumerate(tokens):
        if (
            isinstance(token, str)
            and token.lstrip("0123456789") in ("<<", "<<-")
            and k + 1 < len(tokens)
        ):
            if isinstance(tokens[k + 1], Word):
                delimiters.append(tokens[k + 1].text)
    for delimiter, strip in zip(delimiters[-len(strip_tabs) :], strip_tabs, strict=False):
        while i < len(text):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            line = text[i:end].lstrip("\t") if strip else text[i:end]
            i = end + 1
            if line == delimiter:
                break
    return min(i, len(text))


def _simples(tokens: list) -> tuple[list[Simple], list[str]]:
    segments: list[tuple[list[Word], list[tuple[str, str]], str | None]] = []
    words: list[Word] = []
    redirects: list[tuple[str, str]] = []
    operators: list[str] = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        head = [w.raw for w in words if w.raw not in OPENERS][:1]
        in_test = head == ["[["] and not any(w.raw == "]]" for w in words)
        if isinstance(token, Word):
            words.append(token)
        elif in_test:
            words.append(Word(token, token, False))  # && < > ( ) inside [[ ]] are its own operators
        elif token.lstrip("0123456789") in REDIRECTIONS:
            target = (
                tokens[k + 1] if k + 1 < len(tokens) and isinstance(tokens[k + 1], Word) else None
            )
            redirects.append((token, target.text if target else ""))
            k += 1 if target else 0
        else:
            segments.append((words, redirects, token))
            if token not in ("\n", "(", ")"):
                operators.append(token)
            words, redirects = [], []
        k += 1
    segments.append((words, redirects, None))
    return _commands(segments), operators


def _commands(segments: list) -> list[Simple]:
    simples: list[Simple] = []
    in_case = pattern_next = False
    for index, (words, redirects, terminator) in enumerate(segments):
        words = list(words)
        while words and not words[0].dynamic and words[0].raw in OPENERS | CLOSERS:
            in_case = in_case and words[0].raw != "esac"
            words.pop(0)
        if words and words[0].raw == "function":
            words = words[2:]
            while words and words[0].raw in OPENERS:
                words.pop(0)
        while words and _ASSIGNMENT.match(words[0].raw):
            words.pop(0)
        if words and words[0].raw == "case":
            in_case, pattern_next = (
                True,
                terminator != ")",
            )  # "case $x in a)" holds its first pattern
            continue
        if in_case and pattern_next:
            pattern_next = terminator != ")"  # "a|b)": patterns up to the closing parenthesis
            continue
        pattern_next = in_case and terminator in (";;", ";&", ";;&")
        if not words or words[0].raw in ("[[", "for", "select") or words[0].raw.startswith("(("):
            continue
        following = segments[index + 1] if index + 1 < len(segments) else None
        if (
            terminator == "("
            and len(words) == 1
            and following
            and not following[0]
            and following[2] == ")"
        ):
            continue  # name() { ...; }: a function definition
        simples.append(Simple(words, redirects))
    return simples
