"""Front matter in YAML is built into exactly the values PyYAML's safe loader gives, or refused alike."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from talkfeed.read import parsing

# Plain scalars YAML 1.1 reads as something else than text, or nearly so.
PLAIN = [
    "yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "Null", "", "1", "-0", "+12", "017",
    "0o17", "0x1F", "0b101", "1_000", "1:30", "-1:30:00", "1e3", "1.5e3", "1.5e+3", ".5", "1.", "+.inf",
    "-.Inf", ".NaN", "2024-05-01", "2024-5-1 9:05:00", "2024-05-01T14:00:00Z", "2024-05-01 14:00:00.5 +2",
    "2024-05-01t14:00:00-05:30", "2024-02-30", "2024-01-01 25:00:00", "2024-05-01 14:00", "=", "<<",
    "Talk", "Ada Lovelace", "a: b", "x #y", "10:00", "1.2.3", "0.1.0", "0xZZ", "٣", "½", "🎤",
]  # fmt: skip
QUOTED = st.sampled_from(PLAIN).flatmap(lambda text: st.sampled_from([f'"{text}"', f"'{text}'"]))
TAGGED = st.sampled_from(["!!str 12", "!!int 12", "!!float 1", "!!int many", "!!binary aGk=", "!x y"])
SCALARS = st.sampled_from(PLAIN) | QUOTED | TAGGED | st.sampled_from(["&a 1", "*a", "? x", "|\n  block"])


def _block(value: Any, indent: str) -> str:
    if isinstance(value, dict):
        return "".join(f"{indent}{key}:{_nested(item, indent)}" for key, item in value.items())
    return "".join(f"{indent}-{_nested(item, indent)}" for item in value)


def _nested(value: Any, indent: str) -> str:
    if isinstance(value, str):
        return f" {value}\n"
    if not value:
        return " {}\n" if isinstance(value, dict) else " []\n"
    if isinstance(value, dict) and len(value) == 1:
        key, item = next(iter(value.items()))
        if isinstance(item, str) and "\n" not in item:
            return f" {{{key}: {item}}}\n"  # flow style now and then
    return "\n" + _block(value, indent + "  ")


TREES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(PLAIN) | QUOTED | st.just("[k]"), children, max_size=3)
    ),
    max_leaves=8,
)
DOCUMENTS = st.dictionaries(st.sampled_from(["title", "date", "tags", "Title", "x"]), TREES, max_size=4).map(
    lambda tree: _block(tree, "")
)


def _typed(value: Any) -> Any:
    """A value with every type and time zone spelled out, so that ``1 == True`` cannot pass."""
    if isinstance(value, dict):
        return [("map", _typed(key), _typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return ["seq", *map(_typed, value)]
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return (type(value).__name__, repr(value))


def _built(construct: Callable[[str], Any], raw: str) -> Any:
    try:
        return _typed(construct(raw))
    except (parsing._UnbuildableValue, yaml.YAMLError, RecursionError) as error:
        return type(error), str(error)


@settings(max_examples=1500, deadline=None)
@given(DOCUMENTS)
def test_yaml_front_matter_is_built_as_pyyaml_builds_it(raw: str) -> None:
    assert _built(parsing._construct, raw) == _built(parsing._construct_with_pyyaml, raw)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a: &x [1, 2]\nb: *x\n", id="alias"),
        pytest.param("base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n", id="merge-key"),
        pytest.param("a: 1\n---\nb: 2\n", id="two-documents"),
        pytest.param("a: 1\na: 2\n", id="repeated-key"),
        pytest.param("? [1, 2]\n: x\n", id="sequence-as-key"),
        pytest.param("[" * 60 + "]" * 60, id="deep"),
        pytest.param("", id="empty"),
        pytest.param("just text\n", id="a-scalar"),
    ],
)
def test_unusual_yaml_documents_are_built_as_pyyaml_builds_them(raw: str) -> None:
    assert _built(parsing._construct, raw) == _built(parsing._construct_with_pyyaml, raw)
