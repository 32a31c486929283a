"""Hypothesis strategies for bad input: arbitrary JSON, and frames shaped like the real ones."""

import json

from hypothesis import strategies as st

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def objects_with(keys: list[str], values=json_values) -> st.SearchStrategy[dict]:
    """Dicts whose keys are (mostly) the ones a parser looks for, with any JSON values."""
    return st.dictionaries(
        st.sampled_from(keys) | st.text(max_size=8), values, max_size=len(keys) + 1
    )


def dumps(value) -> str:
    """JSON text as a careless sender would write it (Python's json allows NaN)."""
    return json.dumps(value, ensure_ascii=False)


def not_json() -> st.SearchStrategy[str]:
    """Text that is not a JSON document, or is JSON cut short."""
    return st.text(max_size=200) | json_values.map(dumps).map(lambda text: text[: len(text) // 2])
