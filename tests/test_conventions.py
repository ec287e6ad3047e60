"""The table of conventions and the SQL that maps attributes agree, both ways.

A key the mapping reads but the table lacks can only be written as a bare string by importers
(the typo this table exists to stop); a key in the table the mapping no longer reads is a name
importers set for nothing.
"""

from __future__ import annotations

import ast
import difflib
import re
from importlib import resources
from pathlib import Path

import pytest

from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes, UnknownKey
from spanscope.model.conventions import KEYS, NAMESPACES, PREFIXES, is_known

MAPPING_FILES = ("map_spans.sql", "mapping_macros.sql")
READERS = (
    "otlp_json.sql",
    "otlp_macros.sql",
    "phoenix_json.sql",
    "phoenix_macros.sql",
    "phoenix_parquet.sql",
)

# t['key'] and resource_text['key']: a key read from a span's (or its resource's) attributes.
READ_KEY = re.compile(r"\b(?:t|resource_text)\['([^']+)'\]")
# A flattened family read by position: oi_messages(t, 'llm.input_messages.'), and
# starts_with(k, 'gen_ai.request.') outside the namespace table.
READ_PREFIX = re.compile(
    r"(?:oi_messages|openllmetry_messages|oi_documents)\(t, '([^']+)'|"
    r"starts_with\((?:k|e\.key), '([^']+)'\)"
)
NAMESPACE = re.compile(r"starts_with\(k_16, '([^']+)'\)")
WRITTEN_KEY = re.compile(r"key := '([^']+)'")


def sql(package: str, name: str) -> str:
    return resources.files(package).joinpath("sql", name).read_text(encoding="utf-8")


def mapping_text() -> str:
    return "\n".join(sql("spanscope.store", name) for name in MAPPING_FILES)


def under_prefix(key: str) -> bool:
    return any(key.startswith(p) for p in PREFIXES)


def test_the_mapping_reads_exactly_the_declared_keys() -> None:
    read = set(READ_KEY.findall(mapping_text()))
    assert read, "no key found: the pattern no longer matches the SQL"
    direct = {k for k in read if k in KEYS or not under_prefix(k)}
    assert sorted(direct - set(KEYS)) == [], "read by the SQL, missing from conventions.py"
    assert sorted(set(KEYS) - direct) == [], "declared in conventions.py, read by no SQL"


def test_the_mapping_reads_exactly_the_declared_families() -> None:
    found = {a or b for a, b in READ_PREFIX.findall(mapping_text())}
    assert found == set(PREFIXES)


def test_the_namespaces_are_those_that_name_a_convention() -> None:
    assert set(NAMESPACE.findall(mapping_text())) == set(NAMESPACES)


def test_keys_the_readers_write_are_ones_the_mapping_reads() -> None:
    written = {k for name in READERS for k in WRITTEN_KEY.findall(sql("spanscope.importers", name))}
    assert written, "no key found: the pattern no longer matches the SQL"
    assert sorted(k for k in written if not is_known(k)) == []


def test_every_name_is_documented_once() -> None:
    kinds = (conventions.Key, conventions.Prefix)
    names = [v for v in vars(conventions).values() if isinstance(v, kinds)]
    assert len(names) == len(KEYS) + len(PREFIXES)
    assert all(name.doc.strip() for name in names)


def test_the_builder_takes_declared_keys_and_keeps_the_rest_raw() -> None:
    attributes = SpanAttributes()
    attributes[conventions.GEN_AI_USAGE_INPUT_TOKENS] = 12
    attributes.keep("langsmith.run.status", "success")
    attributes.set_in(conventions.LLM_INPUT_MESSAGES, "0.message.role", "user")
    assert dict(attributes) == {
        "gen_ai.usage.input_tokens": 12,
        "langsmith.run.status": "success",
        "llm.input_messages.0.message.role": "user",
    }


@pytest.mark.parametrize(
    "typo", ["gen_ai.usage.input_token", "spanscope.kinds", "gen_ai.request.model "]
)
def test_the_builder_refuses_a_key_the_mapping_does_not_read(typo: str) -> None:
    attributes = SpanAttributes()
    with pytest.raises(UnknownKey, match="conventions"):
        attributes[typo] = 1  # type: ignore[index]  # what mypy refuses, the run refuses too
    assert len(attributes) == 0


def test_the_builder_refuses_an_undeclared_key_in_its_own_namespace() -> None:
    with pytest.raises(UnknownKey, match="own namespace"):
        SpanAttributes().keep("spanscope.kinds", "llm")


def test_the_builder_keeps_a_format_field_under_a_convention_namespace() -> None:
    """A format's own field may share a namespace with read keys (langfuse.observation.level
    beside langfuse.observation.type): it is kept raw."""
    attributes = SpanAttributes()
    attributes.keep("langfuse.observation.level", "DEFAULT")
    assert attributes["langfuse.observation.level"] == "DEFAULT"


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module, docstrings left out (f-string parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_importers_name_the_keys_instead_of_spelling_them() -> None:
    """A key the mapping reads is written by its name in model/conventions.py; a string one or
    two letters off such a key is the typo that would silently stay unmapped."""
    package = Path(conventions.__file__).parents[1]
    dotted = [k for k in KEYS if "." in k]
    names = {str(v): n for n, v in vars(conventions).items() if isinstance(v, conventions.Key)}
    found = []
    for path in sorted([*package.glob("importers/**/*.py"), *package.glob("demo/**/*.py")]):
        for line, text in _code_strings(path):
            if "." not in text or " " in text or text.endswith(".") or len(text) > 80:
                continue  # not a key (or the start of a family, in an f-string)
            near = difflib.get_close_matches(text, dotted, n=1, cutoff=0.9)
            if near:
                name = f"conventions.{names[near[0]]}"
                found.append(f"{path.relative_to(package)}:{line}: {text!r}, meant {name}?")
    assert found == []


def _plain_dict_names(function: ast.AST) -> set[str]:
    """Names a function binds to a plain mapping: annotated as one (not the builder), or
    assigned a dict literal, comprehension or ``dict(...)``."""
    names: set[str] = set()
    for node in ast.walk(function):
        annotation = None
        if isinstance(node, ast.arg):
            annotation, name = node.annotation, node.arg
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotation, name = node.annotation, node.target.id
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Dict, ast.DictComp)):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            continue
        else:
            continue
        text = ast.unparse(annotation) if annotation is not None else ""
        if "SpanAttributes" not in text and re.search(r"\b(JsonDict|dict|Mapping)\b", text):
            names.add(name)
    return names


def _is_convention(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "conventions"
    )


def test_importers_set_the_mappings_keys_through_the_builder() -> None:
    """A key the mapping reads goes into a span through ``SpanAttributes`` (whose setter takes
    only a declared name), never into a plain dict where any string would do: a dict literal
    keyed by conventions is the argument of the builder (or of a helper typed to take declared
    keys), a plain dict is never indexed by one, and a family (``gen_ai.request.``) is written
    with ``set_in``, not spelled out in a string."""
    package = Path(conventions.__file__).parents[1]
    found = []
    for path in sorted(package.glob("importers/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(package)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        takes_keys = {
            f.name
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef)
            and f.args.args
            and "Key" in ast.unparse(f.args.args[0].annotation or ast.Constant(""))
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and any(_is_convention(k) for k in node.keys):
                call = parents.get(node)
                callee = ""
                if isinstance(call, ast.Call) and node in call.args:
                    func = call.func
                    callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if callee not in {"SpanAttributes", "update", *takes_keys}:
                    found.append(f"{where}:{node.lineno}: a plain dict keyed by conventions")
            if isinstance(node, ast.DictComp) and _is_convention(node.key):
                found.append(f"{where}:{node.lineno}: a plain dict keyed by conventions")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                family = next((p for p in PREFIXES if node.value.startswith(p)), None)
                spelt = node.value != family or isinstance(parents.get(node), ast.JoinedStr)
                if family is not None and spelt:
                    found.append(f"{where}:{node.lineno}: {node.value!r}: use set_in({family!r})")
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            plain = _plain_dict_names(function)
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in plain
                    and _is_convention(node.slice)
                ):
                    found.append(f"{where}:{node.lineno}: {node.value.id} is a plain dict")
    assert found == [], "\n".join(found)
