"""Validation of the identifiers Chinese users actually type.

- 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters, check character over the first 17.
- Chinese patent application numbers (CNIPA): since 2003 `yyyy` + type digit + 7-digit serial + check digit
  (e.g. `202010123456.7`), before 2003 `yy` + type + 5-digit serial + check; optional `CN`/`ZL` prefix and dot.
  Check digit: weighted sum mod 11 with weights 2..9 cycling, 10 written as `X`.
- IPC symbols, e.g. `B01D 53/86`, `C02F 1/44`, or a bare subclass `H01M`.
- Administrative division codes, GB/T 2260: 6 digits with a valid province prefix and a consistent structure.
  (The full national list changes yearly; we check the province and structure, not every county.)
Each validator returns the canonical form or raises ValueError with a message a person can act on.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc

def validate_credit_code(value: str) -> str:
    """统一社会信用代码, checked by python-stdnum's `cn.uscc` (GB 32100-2015); our messages say what to fix."""
    code = uscc.compact(value).upper()
    try:
        return uscc.validate(code)
    except stdnum_exceptions.InvalidLength:
        raise ValueError(f"统一社会信用代码 must be 18 characters, got {len(code)}") from None
    except stdnum_exceptions.InvalidChecksum:
        raise ValueError("统一社会信用代码 check character is wrong for these first 17 characters; re-check the code") from None
    except stdnum_exceptions.ValidationError:
        raise ValueError("统一社会信用代码 has characters GB 32100-2015 does not allow (I, O, S, V, Z are never used; "
                         "characters 3-8 are the 6-digit administrative division code)") from None


_PATENT_RE = re.compile(r"^(?:CN|ZL)?\s*([0-9]{8}|[0-9]{12})\.?([0-9X])$")
_PATENT_TYPES = {"1": "invention", "2": "utility_model", "3": "design", "8": "pct_invention", "9": "pct_utility_model"}


def patent_check_digit(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    r = total % 11
    return "X" if r == 10 else str(r)


def validate_patent_number(value: str) -> str:
    """Canonical form: `CN` + digits + `.` + check digit, e.g. `CN202010123456.7`."""
    raw = value.strip().upper().replace(" ", "")
    m = _PATENT_RE.match(raw)
    if not m:
        raise ValueError("Chinese patent application number expected, like 202010123456.7 or CN202010123456.7 (12 digits, a dot, a check digit)")
    digits, check = m.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in _PATENT_TYPES:
        raise ValueError(f"patent type digit {type_digit!r} is not one of 1 (invention), 2 (utility model), 3 (design), 8, 9 (PCT)")
    if len(digits) == 12 and not (1985 <= int(digits[:4]) <= 2100):
        raise ValueError(f"patent application year {digits[:4]} is not plausible")
    expected = patent_check_digit(digits)
    if check != expected:
        raise ValueError(f"patent application number check digit is wrong (expected {expected} for {digits}); re-check the number")
    return f"CN{digits}.{check}"


_IPC_RE = re.compile(r"^([A-H])([0-9]{2})([A-Z])(?:\s*([0-9]{1,4})\s*/\s*([0-9]{2,6}))?$")


def validate_ipc(value: str) -> str:
    """Canonical form `B01D 53/86` (or `B01D` for a bare subclass)."""
    m = _IPC_RE.match(value.strip().upper())
    if not m:
        raise ValueError("IPC code expected, like B01D 53/86 or C02F 1/44: section A-H, 2-digit class, subclass letter, then group/subgroup")
    section, cls, sub, group, subgroup = m.groups()
    base = f"{section}{cls}{sub}"
    return base if group is None else f"{base} {int(group)}/{subgroup}"


PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}


def validate_region(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValueError("administrative division code (GB/T 2260) must be 6 digits, e.g. 330100 for 杭州市 or 330000 for 浙江省")
    if code[:2] not in PROVINCES:
        raise ValueError(f"{code[:2]} is not a province code of GB/T 2260 (e.g. 11 北京, 32 江苏, 33 浙江, 44 广东)")
    if code[2:4] == "00" and code[4:] != "00":
        raise ValueError("a county-level code cannot have 00 as its city part")
    return code


def region_province(code: str) -> str:
    """The province-level code (`330100` -> `330000`), used so a province filter matches its cities."""
    return code[:2] + "0000"


def region_matches(filter_code: str, record_code: str | None) -> bool:
    """True if record_code lies within filter_code (province, city or county level)."""
    if not record_code:
        return False
    if filter_code.endswith("0000"):
        return record_code[:2] == filter_code[:2]
    if filter_code.endswith("00"):
        return record_code[:4] == filter_code[:4]
    return record_code == filter_code


MAX_CNY = Decimal("1000000000000")  # one trillion yuan: anything above is a typo


_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")


def cny_text(value: Any) -> Any:
    """How people type amounts, made plain: full-width digits (１００), a ¥/￥ sign or 元 after the figure, thousands
    separators (1,500,000.00), spaces. Anything else is left for `validate_cny` to refuse with its message."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip().removeprefix("¥").removesuffix("元").strip()
    return text.replace(",", "") if _GROUPED.match(text) else text


def validate_cny(value: Decimal | int | float | str) -> Decimal:
    """CNY amount in yuan, at most 2 decimal places (fen), non-negative, below a trillion. The one money parser:
    every amount on every API goes through here (via `shared.schemas.Cny`)."""
    try:
        amount = Decimal(str(cny_text(value)))
    except InvalidOperation:
        raise ValueError("CNY amount expected, in yuan, e.g. 1500000 or \"1500000.00\"") from None
    if not amount.is_finite():
        raise ValueError("CNY amount must be a finite number")
    if amount < 0:
        raise ValueError("CNY amount cannot be negative")
    if amount > MAX_CNY:
        raise ValueError("CNY amount above one trillion yuan: check the unit (amounts are in yuan, not fen)")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("CNY amount can have at most 2 decimal places (fen)")
    return amount.quantize(Decimal("0.01"))


def validate_positive_cny(value: Decimal | int | float | str) -> Decimal:
    """A contract or transaction amount: a CNY amount above zero."""
    amount = validate_cny(value)
    if amount <= 0:
        raise ValueError("amount must be above 0 yuan (a contract is never signed for nothing)")
    return amount


# Record ids the registry issues: `<prefix>_` + 20 lowercase Crockford base32 characters (services/registry/db.py).
RECORD_ID_PREFIXES = {"technology": "tec", "demand": "dem", "organization": "org"}
RECORD_ID_PATTERNS = {entity: rf"^{prefix}_[0-9a-z]{{20}}$" for entity, prefix in RECORD_ID_PREFIXES.items()}
_RECORD_ID_RES = {entity: re.compile(pattern) for entity, pattern in RECORD_ID_PATTERNS.items()}


def is_record_id(entity: str, value: str) -> bool:
    """Is `value` shaped like an id the registry issues for `entity`? (It may still not exist.)"""
    return bool(_RECORD_ID_RES[entity].match(value))
