from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import identifiers as ids


def test_real_credit_code_passes_and_is_canonicalised() -> None:
    assert ids.validate_credit_code(" 91110000600037341l ") == "91110000600037341L"


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91110000600037341", "18 characters"),
        ("91110000600037341M", "check character"),
        ("9111000060003734IL", "not allowed"),
        ("91AB0000600037341L", "division code"),
    ],
)
def test_bad_credit_codes_say_why(code: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ids.validate_credit_code(code)


@given(st.text(alphabet=ids.CREDIT_CODE_CHARS, min_size=2, max_size=2), st.from_regex(r"[0-9]{6}", fullmatch=True),
       st.text(alphabet=ids.CREDIT_CODE_CHARS, min_size=9, max_size=9))
def test_any_code_with_computed_check_char_validates(head: str, region: str, tail: str) -> None:
    first17 = head + region + tail
    assert ids.validate_credit_code(first17 + ids.credit_code_check_char(first17)) == first17 + ids.credit_code_check_char(first17)


def test_patent_numbers() -> None:
    assert ids.validate_patent_number("200410018477.9") == "CN200410018477.9"
    assert ids.validate_patent_number("ZL 2004100184779") == "CN200410018477.9"
    with pytest.raises(ValueError, match="check digit"):
        ids.validate_patent_number("200410018477.8")
    with pytest.raises(ValueError, match="type digit"):
        ids.validate_patent_number("200450018477.1")
    with pytest.raises(ValueError, match="expected"):
        ids.validate_patent_number("US1234567")


def test_ipc_codes() -> None:
    assert ids.validate_ipc("b01d53/86") == "B01D 53/86"
    assert ids.validate_ipc("C02F 1/44") == "C02F 1/44"
    assert ids.validate_ipc("H01M") == "H01M"
    for bad in ("Z01D 53/86", "B1D 53/86", "B01D-53", ""):
        with pytest.raises(ValueError):
            ids.validate_ipc(bad)


def test_regions() -> None:
    assert ids.validate_region("330100") == "330100"
    for bad in ("990100", "33010", "330001", "abcdef"):
        with pytest.raises(ValueError):
            ids.validate_region(bad)
    assert ids.region_matches("330000", "330106")
    assert ids.region_matches("330100", "330106")
    assert not ids.region_matches("330100", "330206")
    assert not ids.region_matches("330000", None)


def test_cny() -> None:
    assert ids.validate_cny("1500000") == Decimal("1500000.00")
    for bad in ("-1", "1.234", "NaN", "abc", "2000000000000"):
        with pytest.raises(ValueError):
            ids.validate_cny(bad)
