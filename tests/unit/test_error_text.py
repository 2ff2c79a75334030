"""Storable error text: any value becomes text, codes are never empty and stay bounded."""

from __future__ import annotations

import re

import pytest

from provisioning.errors.text import (
    MAX_ERROR_CODE_CHARS,
    UNKNOWN_CODE,
    as_text,
    clean_code,
    error_pattern,
    exception_text,
)


@pytest.mark.parametrize(("value", "text"), [(None, ""), (42, "42"), ("a\ud800b", "a?b")])
def test_any_value_becomes_storable_text(value: object, text: str) -> None:
    assert as_text(value) == text


@pytest.mark.parametrize("code", [None, "", "   "])
def test_a_missing_code_is_stored_as_unknown(code: object) -> None:
    assert clean_code(code) == UNKNOWN_CODE


def test_a_code_is_trimmed_and_capped() -> None:
    assert clean_code("  QuotaExceeded \n") == "QuotaExceeded"
    assert len(clean_code("C" * 500)) == MAX_ERROR_CODE_CHARS


def test_an_exception_whose_str_fails_is_named_by_its_type() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert exception_text(Unprintable()) == "Unprintable"
    assert exception_text(KeyError("properties")) == "'properties'"


def test_an_error_pattern_is_compiled_once_and_ignores_case_by_default() -> None:
    pattern = error_pattern(r"quota")
    assert pattern is error_pattern(r"quota")
    assert pattern.search("QUOTA exceeded")
    assert not error_pattern(r"quota", 0).search("QUOTA")
    assert error_pattern(r"a.b", re.DOTALL).search("a\nb")
