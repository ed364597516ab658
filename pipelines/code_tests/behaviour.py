"""The check files that run a coder's answer beside the original function: docstring examples and differential inputs.

- `doctest_file(context)`: a pytest module that runs the doctest examples of the ORIGINAL
  docstring (context["doctest"]) against the module as the sandbox left it (the answer swapped
  in); it fails with doctest's report.
- `differential_file(context)`: a pytest module that calls the original
  (`sys.modules["factory_swap"].original`, kept by the sandbox's swap) and the answer on the same
  inputs and fails with `differs on f(<input>): original ..., answer ...` at the first
  difference. Inputs: context["examples"] (argument texts taken from docstring examples and the
  tests' calls, each evaluated in the module's namespace, once per call), plus inputs that
  `hypothesis` generates from the original's annotations when all of its required parameters
  have plain types (int, float, str, bytes, bool, None and lists/tuples/dicts/sets/unions of
  them); the generated ones only where the original returns normally. A result that cannot be
  compared (a function, an object without `==`) and an input that cannot be built there are
  skipped, so they never count as evidence. Iterators are compared by their first 1000 items.
- `example_arguments(docstring, name)`: the argument texts of calls to `name` in doctest examples.
Nothing here runs code: the files run in the sandbox (pipelines/code_tests/sandbox.py).
"""

from __future__ import annotations

import ast
import doctest

from factory.sources.repo import argument_text, dotted_name

DOCTEST_FILE = "test_zz_doctest.py"
DIFFERENTIAL_FILE = "test_zz_differential.py"
GENERATED_EXAMPLES = 60  # hypothesis examples per function
MAX_EXAMPLES = 40  # argument texts per function

_DOCTEST = '''"""Written by the factory: the original docstring's examples, run against the answer."""
import doctest
import importlib

MODULE, NAME, LINE = {module!r}, {name!r}, {line!r}
DOCSTRING = {docstring!r}


def test_docstring_examples():
    module = importlib.import_module(MODULE)
    test = doctest.DocTestParser().get_doctest(DOCSTRING, dict(vars(module)), f"{{MODULE}}.{{NAME}}",
                                               getattr(module, "__file__", None), LINE)
    report = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "docstring example failed: " + " ".join("".join(report).split())[:400]
'''

_DIFFERENTIAL = '''"""Written by the factory: the answer and the original function on the same inputs."""
import collections.abc
import copy
import importlib
import inspect
import itertools
import sys
import types
import typing

import pytest

MODULE, NAME, GENERATED = {module!r}, {name!r}, {generated!r}
EXAMPLES = {examples!r}
_module = importlib.import_module(MODULE)
ORIGINAL = getattr(sys.modules.get("factory_swap"), "original", None)
ANSWER = getattr(_module, NAME)
_UNCOMPARABLE = object()
_PLAIN = (int, float, str, bytes, bool, type(None))
_CONTAINERS = (list, tuple, dict, set, frozenset, typing.Union, types.UnionType, collections.abc.Sequence,
               collections.abc.Iterable, collections.abc.Mapping, collections.abc.Collection, typing.Literal)


def _capture(*args, **kwargs):
    return args, kwargs


def _settle(value):
    if isinstance(value, collections.abc.Iterator):
        return list(itertools.islice(value, 1000))
    if callable(value) or (type(value).__eq__ is object.__eq__ and value is not None):
        return _UNCOMPARABLE
    return value


def _outcome(function, args, kwargs):
    try:
        return "returned", _settle(function(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the exception's type is the behaviour compared
        return "raised", type(exc).__name__


def _same(first, second):
    if first[0] != second[0]:
        return False
    try:
        return bool(first[1] == second[1]) or repr(first[1]) == repr(second[1])
    except Exception:  # noqa: BLE001
        return repr(first[1]) == repr(second[1])


def _show(outcome):
    kind, value = outcome
    text = "an object that cannot be compared" if value is _UNCOMPARABLE else repr(value)
    return (f"raised {{value}}" if kind == "raised" else f"returned {{text}}")[:200]


def _require_original():
    if ORIGINAL is None:
        pytest.skip("no original kept by the sandbox")


@pytest.mark.parametrize("text", EXAMPLES)
def test_same_as_original(text):
    _require_original()
    outcomes = []
    for function in (ORIGINAL, ANSWER):
        try:
            args, kwargs = eval(f"_capture({{text}})", {{**vars(_module), "_capture": _capture}})  # noqa: S307
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"the input cannot be built here ({{type(exc).__name__}})")
        outcomes.append(_outcome(function, args, kwargs))
    original, answer = outcomes
    if original[1] is _UNCOMPARABLE:
        pytest.skip("the original's result cannot be compared")
    assert _same(original, answer), f"differs on {{NAME}}({{text}}): original {{_show(original)}}, answer {{_show(answer)}}"


def _plain(hint):
    if hint in _PLAIN:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return True
    return origin in _CONTAINERS and all(_plain(arg) for arg in typing.get_args(hint) if arg is not Ellipsis)


def _strategy():
    from hypothesis import strategies

    try:
        hints = typing.get_type_hints(ORIGINAL)
        parameters = inspect.signature(ORIGINAL).parameters.values()
    except Exception:  # noqa: BLE001
        return None, []
    fields, positional = {{}}, []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        known = parameter.name in hints and _plain(hints[parameter.name])
        if not known:
            if parameter.default is parameter.empty:
                return None, []
            continue
        fields[parameter.name] = strategies.from_type(hints[parameter.name])
        if parameter.kind == parameter.POSITIONAL_ONLY:
            positional.append(parameter.name)
    return (strategies.fixed_dictionaries(fields) if fields else None), positional


def test_generated_inputs():
    _require_original()
    if not GENERATED:
        pytest.skip("generated inputs are off for this function (they failed on the original)")
    hypothesis = pytest.importorskip("hypothesis")
    strategy, positional = _strategy()
    if strategy is None:
        pytest.skip("the signature has no plain annotations to generate inputs from")

    @hypothesis.settings(max_examples=GENERATED, derandomize=True, database=None, deadline=None, print_blob=False,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(strategy)
    def check(values):
        args = [values.pop(name) for name in positional]
        original = _outcome(ORIGINAL, copy.deepcopy(args), copy.deepcopy(values))
        if original[0] == "raised" or original[1] is _UNCOMPARABLE:
            return  # only inputs the original accepts
        answer = _outcome(ANSWER, copy.deepcopy(args), copy.deepcopy(values))
        shown = ", ".join([repr(a) for a in args] + [f"{{k}}={{v!r}}" for k, v in values.items()])
        assert _same(original, answer), f"differs on {{NAME}}({{shown}}): original {{_show(original)}}, answer {{_show(answer)}}"

    check()
'''


def doctest_file(context: dict) -> str | None:
    found = context.get("doctest")
    if not found:
        return None
    return _DOCTEST.format(
        module=context["module"], name=context["name"], line=found["line"], docstring=found["text"]
    )


def differential_file(context: dict) -> str:
    return _DIFFERENTIAL.format(
        module=context["module"],
        name=context["name"],
        examples=list(context.get("examples") or []),
        generated=GENERATED_EXAMPLES if context.get("generated", True) else 0,
    )


def has_examples(docstring: str) -> bool:
    try:
        return bool(doctest.DocTestParser().get_examples(docstring or ""))
    except ValueError:  # a malformed example
        return False


def example_arguments(docstring: str, name: str) -> list[str]:
    """Argument texts of the calls to `name` in a docstring's doctest examples (`>>> f(1, 2)` -> "1, 2")."""
    found: list[str] = []
    try:
        examples = doctest.DocTestParser().get_examples(docstring or "")
    except ValueError:
        return found
    for example in examples:
        try:
            tree = ast.parse(example.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and (dotted_name(node.func) or "").rpartition(".")[2] == name
            ):
                text = argument_text(node)
                if text not in found:
                    found.append(text)
    return found[:MAX_EXAMPLES]
