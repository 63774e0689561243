"""Cell values as people type them in 绩效自评表 (SPEC §1.3 labels, §1.4 values).

Every public function here is pure and never raises: a reader must survive whatever a filler
typed, and rules decide what is wrong. The functions run once per cell in bulk runs over many
workbooks, so regexes are compiled once (lazily, see _LazyRegex) and text-keyed results are
memoised (every returned object is immutable, so sharing cached instances is safe). No
pandas/numpy import: this module must stay cheap to import.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "PLACEHOLDERS",
    "Actual",
    "Num",
    "Target",
    "declared_weight",
    "is_blank",
    "is_plausible_phone",
    "norm_label",
    "parse_actual",
    "parse_date",
    "parse_footer",
    "parse_number",
    "parse_percent",
    "parse_target",
    "qualitative_band",
    "split_label_value",
]

_CACHE = 1 << 16


class _LazyRegex:
    """A regex compiled on first use.

    Compiling every pattern at import costs ~6 ms, more than this module's whole import budget,
    and most runs touch only a few of them. After the first use the slots hold the compiled
    pattern's bound methods, so calls cost the same as on a plain re.Pattern.
    """

    __slots__ = ("_args", "fullmatch", "match", "search", "sub", "finditer", "split")
    fullmatch: Callable[..., re.Match[str] | None]
    match: Callable[..., re.Match[str] | None]
    search: Callable[..., re.Match[str] | None]
    sub: Callable[..., str]
    finditer: Callable[..., Iterator[re.Match[str]]]
    split: Callable[..., list[str]]

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only reached while the slots are still empty
        if name == "_args" or name not in self.__slots__:
            raise AttributeError(name)
        rx = re.compile(*self._args)
        for method in self.__slots__[1:]:
            setattr(self, method, getattr(rx, method))
        return getattr(rx, name)


# ---------------------------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------------------------

# \s (str patterns) already covers \n \r \t \u3000 \xa0; zero-width characters are not
# whitespace to Python but arrive in text pasted from Word/web pages.
_WS_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
# NFKC leaves U+2212 MINUS SIGN alone; fillers paste it from Word.
_MINUS_TRANS = str.maketrans({"\u2212": "-"})
# Full-width （）［］ become ()[] under NFKC; the CJK lenticular/tortoise-shell brackets do not.
_BRACKET_TRANS = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "[": "(",
        "]": ")",
        "〔": "(",
        "〕": ")",
        "〖": "(",
        "〗": ")",
        "\u2236": ":",  # RATIO '∶', used as a colon by some IMEs
    }
)


@lru_cache(maxsize=_CACHE)
def _squash(s: str) -> str:
    """NFKC + drop all whitespace. The common base of every comparison in this module."""
    if not s.isascii():  # NFKC is the identity on ASCII; skip the cost for plain numbers
        s = unicodedata.normalize("NFKC", s).translate(_MINUS_TRANS)
    return _WS_RE.sub("", s)


@lru_cache(maxsize=_CACHE)
def _norm_label_str(s: str) -> str:
    return _squash(s).translate(_BRACKET_TRANS).rstrip(":")


norm_label_text = _norm_label_str  # norm_label for a value known to be a plain str (hot loops)


def display_width(text: str) -> int:
    """Width in terminal columns or Excel character units: CJK and full-width characters count
    double (the console's help wrapping and the summary workbook's column widths)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def norm_label(text: object) -> str:
    """Header/label normalisation of SPEC §1.3 ('年度\\n指标值' -> '年度指标值').

    The cache sits on the str-keyed helper so unhashable or odd inputs cannot make it raise.
    """
    if text is None:
        return ""
    try:
        if isinstance(text, str):
            return _norm_label_str(text)
        if isinstance(text, float) and text != text:  # an empty pandas cell is NaN, not 'nan'
            return ""
        return _norm_label_str(str(text))
    except Exception:
        return ""


# ---------------------------------------------------------------------------------------------
# Blanks and placeholders
# ---------------------------------------------------------------------------------------------

# Normalised (after _squash) texts that mean "nothing here". '／' and '－' arrive as '/' and '-'.
PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "—",
        "——",
        "———",
        "–",
        "––",
        "-—",
        "—-",
        "―",
        "─",
        "/",
        "//",
        "\\",
        "*",
        "**",
        "***",
        "~",
        "无",
        "暂无",
        "空",
        "N/A",
        "n/a",
    }
)
# Any run of dash-like marks, slashes or asterisks is a placeholder too (e.g. '————', '-/-'),
# so new variants need no list update.
_DASH_RUN_RE = _LazyRegex(r"[-‐‑‒–—―─━~/\\*]+")


@lru_cache(maxsize=_CACHE)
def _is_blank_text(s: str) -> bool:
    t = _squash(s)
    return t in PLACEHOLDERS or _DASH_RUN_RE.fullmatch(t) is not None


def _is_number(value: object) -> bool:
    # numbers.Real covers int, float, Fraction and numpy scalars; Decimal is only registered as
    # a Number (checked this way to avoid importing decimal). Complex numbers are not values.
    if isinstance(value, (int, float, numbers.Real)):
        return not isinstance(value, bool)
    return isinstance(value, numbers.Number) and not isinstance(value, numbers.Complex)


def _as_float(value: object) -> float:
    """float() of a number cell value: NaN when it refuses (Decimal('sNaN')), inf on overflow."""
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # ints beyond float range
        return math.inf
    except (TypeError, ValueError):
        return math.nan


def is_blank(value: object) -> bool:
    """None, NaN, whitespace-only text or a placeholder ('—', '/', '无' ...). Numbers never are."""
    try:
        if value is None:
            return True
        if isinstance(value, str):
            return _is_blank_text(value)
        if isinstance(value, float):
            return value != value
        if _is_number(value):
            return bool(value != value)
        if isinstance(value, (datetime.date, datetime.time)):
            return bool(value != value)  # pandas NaT is a datetime that is != itself
        return _is_blank_text(str(value))
    except Exception:
        # pandas.NA refuses bool(); an object whose comparison is ambiguous carries no value.
        return True


# ---------------------------------------------------------------------------------------------
# Numbers and percents
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: float | None
    raw: str | None
    ok: bool
    text_typed: bool


_EMPTY_NUM = Num(None, None, True, False)
# Whole cell = one number with an optional unit that numeric columns tolerate ('10分', '50万元').
_NUM_RE = _LazyRegex(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(万元|元|万|分|%)?")


def _round(x: float) -> float:
    return round(x, 10)  # drops binary noise such as 0.1 + 0.2 -> 0.30000000000000004


@lru_cache(maxsize=_CACHE)
def _text_number(s: str) -> tuple[float, str | None] | None:
    """(number, unit) when the whole text is one number; thousands commas and spaces removed."""
    m = _NUM_RE.fullmatch(_squash(s).replace(",", ""))
    if m is None:
        return None
    v = float(m.group(1))
    if not math.isfinite(v):
        return None
    return v, m.group(2)


def _raw_of_blank(s: str) -> str | None:
    # A typed placeholder ('—') is kept as raw; nothing typed at all reads as None.
    return s if _squash(s) else None


@lru_cache(maxsize=_CACHE)
def _parse_number_text(s: str) -> Num:
    if _is_blank_text(s):
        return Num(None, _raw_of_blank(s), True, False)
    parsed = _text_number(s)
    if parsed is None:
        return Num(None, s, False, False)
    v, unit = parsed
    if unit == "%":
        v /= 100  # a percent is a fraction: '95%' -> 0.95
    return Num(_round(v), s, True, True)


def _parse_cell(value: object, parse_text: Callable[[str], Num], scale: Callable[[float], float]) -> Num:
    """Shared shape of parse_number / parse_percent: text goes to `parse_text`, numbers to `scale`."""
    try:
        if value is None:
            return _EMPTY_NUM
        if isinstance(value, str):
            return parse_text(value)
        if isinstance(value, bool):  # True/False in a numeric column is not a number
            return Num(None, str(value), False, False)
        if _is_number(value):
            f = _as_float(value)
            if f != f:
                return _EMPTY_NUM
            if math.isinf(f):
                return Num(None, str(value), False, False)
            return Num(_round(scale(f)), str(value), True, False)
        if is_blank(value):
            return _EMPTY_NUM
        return parse_text(str(value))  # dates and other objects: judged by their text
    except Exception:
        return Num(None, None, False, False)


def parse_number(value: object) -> Num:
    """Numeric cell (分值, 得分, amounts). ok=False only for real text -> rule V501."""
    return _parse_cell(value, _parse_number_text, _identity)


def _identity(v: float) -> float:
    return v


def _pct_scale(v: float) -> float:
    # SPEC §1.4: a bare 执行率 above 1.5 is written in percent points (100 -> 1.0).
    return v / 100 if abs(v) > 1.5 else v


@lru_cache(maxsize=_CACHE)
def _parse_percent_text(s: str) -> Num:
    if _is_blank_text(s):
        return Num(None, _raw_of_blank(s), True, False)
    parsed = _text_number(s)
    if parsed is None or parsed[1] not in (None, "%"):  # '50万元' is not a rate
        return Num(None, s, False, False)
    v, unit = parsed
    v = v / 100 if unit == "%" else _pct_scale(v)
    return Num(_round(v), s, True, True)


def parse_percent(value: object) -> Num:
    """执行率 cell as a FRACTION: '95%' / 0.95 / 95 / '95' -> 0.95."""
    return _parse_cell(value, _parse_percent_text, _pct_scale)


# ---------------------------------------------------------------------------------------------
# Targets (年度指标值) and actuals (实际完成值)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    raw: str | None
    operator: str | None
    number: float | None
    unit: str | None
    qualitative: bool


@dataclass(frozen=True, slots=True)
class Actual:
    raw: str | None
    number: float | None
    unit: str | None
    qualitative: bool


# Operator spellings as they look after NFKC ('>＝' -> '>=', '﹦' -> '=', '＜' -> '<').
_OPERATORS: dict[str, str] = {
    "≥": "≥", "≥=": "≥", ">=": "≥", "=>": "≥", "≧": "≥", "⩾": "≥",
    "大于等于": "≥", "大于或等于": "≥", "不低于": "≥", "不少于": "≥", "不小于": "≥",
    "至少": "≥", "达到": "≥",
    "≤": "≤", "≤=": "≤", "<=": "≤", "=<": "≤", "≦": "≤", "⩽": "≤",
    "小于等于": "≤", "小于或等于": "≤", "不高于": "≤", "不超过": "≤", "不超": "≤",
    "不多于": "≤", "不大于": "≤", "至多": "≤", "最多": "≤",
    ">": ">", "大于": ">", "超过": ">", "高于": ">", "多于": ">",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "=": "=", "==": "=", "等于": "=",
}  # fmt: skip
_SUFFIX_OPS = {"以上": "≥", "及以上": "≥", "以下": "≤", "及以下": "≤", "以内": "≤", "之内": "≤"}
_CJK = "\u4e00-\u9fff"
_OP_ALT = "|".join(re.escape(k) for k in sorted(_OPERATORS, key=len, reverse=True))
_SUF_ALT = "|".join(sorted(_SUFFIX_OPS, key=len, reverse=True)) + "|左右"
# One quantity: [operator] number [unit] [以上/以下/以内/左右]. The unit is lazy so '个以上'
# splits into unit '个' + suffix '以上', and may not start with a suffix word ('90以上').
# Units are letters/CJK only (max 4, optional '/x' as in '元/人'); digits or punctuation after
# the number make the text something else (a date, a list, a range) -> qualitative.
_QUANTITY_RE = _LazyRegex(
    rf"(?P<op>{_OP_ALT})?"
    r"(?P<num>[+-]?\d+(?:\.\d+)?)"
    rf"(?P<unit>(?!{_SUF_ALT})(?:%|‰|°C?|[kc]?m[23]|[A-Za-z{_CJK}]{{1,4}}?(?:/[A-Za-z{_CJK}]{{1,3}}?)?))?"
    rf"(?P<suf>{_SUF_ALT})?"
)
# Leading list numbers are decoration: '1.≤5万', '2、3个', '(1)5个', '一、…'. '1.' counts as a
# list number only when NOT followed by a digit, so '1.2次' stays the decimal 1.2 (see
# _quantity). Circled digits are removed before NFKC, which would turn '①' into a bare '1'.
_LIST_PREFIX_RE = _LazyRegex(
    r"(?:\(\d{1,2}\)|\d{1,2}[、)]|\d{1,2}\.(?!\d)"
    r"|\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}[、.])"
)
_CIRCLED_RE = _LazyRegex(r"^\s*[\u2460-\u2473\u2776-\u2793]")
_THOUSANDS_RE = _LazyRegex(r"(?<=\d),(?=\d{3}(?!\d))")
# Units that make a number a point in time or a deadline ('2023年', '12月', '5年内', '30日内',
# '12月底前'): not a comparable quantity.
_DEADLINE_UNIT_RE = _LazyRegex(r"^[年月日号]|[内前底末后]$")
_TRAILING_PUNCT = "。.;,、!?"


@lru_cache(maxsize=_CACHE)
def _quantity(s: str) -> tuple[str | None, float, str | None] | None:
    """(operator, number, unit) when the text is exactly one quantity, else None.

    Decisions (deterministic on purpose, so reviewers can predict them):
    * '1.2次' is the decimal 1.2 with unit '次': a lone cell cannot tell a list number from a
      decimal point ('1.5万' is a real decimal), so a digit after '.' always means decimal.
    * Any prose before the number ('征集作品300个以上') makes the target qualitative; only
      operator words and list numbers may precede it.
    * Two quantities ('2次，3万人'), ranges ('90%-100%') and dates ('2023.12.31') are
      qualitative because the full-match grammar admits exactly one number.
    """
    s = _CIRCLED_RE.sub("", s, count=1)
    t = _squash(s).rstrip(_TRAILING_PUNCT)
    m = _LIST_PREFIX_RE.match(t)
    if m is not None:
        t = t[m.end() :]
    t = _THOUSANDS_RE.sub("", t)
    q = _QUANTITY_RE.fullmatch(t)
    if q is None:
        return None
    unit = q.group("unit") or None
    if unit is not None and _DEADLINE_UNIT_RE.search(unit):
        return None
    v = float(q.group("num"))
    if not math.isfinite(v):
        return None
    op = q.group("op")
    operator = _OPERATORS[op] if op else _SUFFIX_OPS.get(q.group("suf") or "")
    return operator, _round(v), unit


_BLANK_TARGET = Target(None, None, None, None, False)
_BLANK_ACTUAL = Actual(None, None, None, False)


@lru_cache(maxsize=_CACHE)
def _parse_target_text(s: str) -> Target:
    if _is_blank_text(s):
        return _BLANK_TARGET
    q = _quantity(s)
    if q is None:
        return Target(s, None, None, None, True)
    return Target(s, q[0], q[1], q[2], False)


def parse_target(value: object) -> Target:
    """年度指标值 -> operator / number / unit; '≥95%' keeps 95 with unit '%' (not 0.95).

    Blank cells (incl. placeholders) give raw=None and qualitative=False: missing, not 定性.
    """
    try:
        if value is None:
            return _BLANK_TARGET
        if isinstance(value, str):
            return _parse_target_text(value)
        if _is_number(value):
            f = _as_float(value)
            if f != f:
                return _BLANK_TARGET
            if math.isinf(f):
                return Target(str(value), None, None, None, True)
            return Target(str(value), None, _round(f), None, False)
        if is_blank(value):
            return _BLANK_TARGET
        if isinstance(value, (bool, datetime.date)):  # a date cell is a deadline: qualitative
            return Target(str(value), None, None, None, True)
        return _parse_target_text(str(value))
    except Exception:
        return Target(None, None, None, None, True)


@lru_cache(maxsize=_CACHE)
def _parse_actual_text(s: str) -> Actual:
    if _is_blank_text(s):
        return _BLANK_ACTUAL
    q = _quantity(s)
    if q is None:
        return Actual(s, None, None, True)
    # An operator in an actual ('≥95%' copied from the target, '300个以上') still states the
    # achieved quantity; keep the number and drop the operator.
    return Actual(s, q[1], q[2], False)


def parse_actual(value: object) -> Actual:
    """实际完成值 -> number / unit, or qualitative ('按时完成', '达成年度指标')."""
    try:
        if value is None:
            return _BLANK_ACTUAL
        if isinstance(value, str):
            return _parse_actual_text(value)
        if _is_number(value):
            f = _as_float(value)
            if f != f:
                return _BLANK_ACTUAL
            if math.isinf(f):
                return Actual(str(value), None, None, True)
            return Actual(str(value), _round(f), None, False)
        if is_blank(value):
            return _BLANK_ACTUAL
        if isinstance(value, (bool, datetime.date)):
            return Actual(str(value), None, None, True)
        return _parse_actual_text(str(value))
    except Exception:
        return Actual(None, None, None, True)


# ---------------------------------------------------------------------------------------------
# Weights and qualitative grades
# ---------------------------------------------------------------------------------------------

# '(50分)', '(50)', '(权重50分)' inside the label, or a bare trailing '50分'. Years such as
# '(2022年度)' do not match because only '分' may follow the digits.
_WEIGHT_RE = _LazyRegex(r"\((?:权重|分值|满分)?(\d+(?:\.\d+)?)分?\)|(?<![\d.])(\d+(?:\.\d+)?)分\)?$")


@lru_cache(maxsize=_CACHE)
def _declared_weight_str(s: str) -> float | None:
    for m in _WEIGHT_RE.finditer(_norm_label_str(s)):
        v = float(m.group(1) or m.group(2))
        if 0 <= v <= 100:  # a weight is a share of 100 points
            return v
    return None


def declared_weight(label: object) -> float | None:
    """Weight declared in a block label: '产出指标（50分）' -> 50.0, '产出指标' -> None."""
    try:
        if label is None or not isinstance(label, str):
            return None
        return _declared_weight_str(label)
    except Exception:
        return None


# One search decides the band: the optional prefix group tells 未 / 部分 from a plain 达成, so
# the negative and partial forms can never be mistaken for the positive one.
_GRADE_RE = _LazyRegex(r"(未|部分)?达[成到](?:了)?(?:年度|预期)(?:指标|目标)")
_BANDS: dict[str | None, tuple[float, float]] = {
    None: (0.8, 1.0),
    "部分": (0.6, 0.8),
    "未": (0.0, 0.6),
}


def qualitative_band(text: object) -> tuple[float, float] | None:
    """SPEC §1.4 grade text -> (low, high) fraction of 分值, else None."""
    try:
        return _band_of_text(text) if isinstance(text, str) else None
    except Exception:
        return None


@lru_cache(maxsize=_CACHE)
def _band_of_text(text: str) -> tuple[float, float] | None:
    m = _GRADE_RE.search(_norm_label_str(text))
    return None if m is None else _BANDS[m.group(1)]


# ---------------------------------------------------------------------------------------------
# Dates and phones (footer)
# ---------------------------------------------------------------------------------------------

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # 1900 system incl. Lotus leap-year bug (serial > 60)
_TIME_SUFFIX = r"(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_RES = (
    _LazyRegex(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})[日号]?)?" + _TIME_SUFFIX),
    _LazyRegex(r"(\d{4})([./-])(\d{1,2})(?:\2(\d{1,2}))?" + _TIME_SUFFIX),
    _LazyRegex(r"(\d{4})(\d{2})(\d{2})"),
)


def _ymd(y: str, m: str, d: str | None) -> datetime.date | None:
    try:
        return datetime.date(int(y), int(m), int(d) if d else 1)
    except ValueError:
        return None


@lru_cache(maxsize=_CACHE)
def _parse_date_text(s: str) -> datetime.date | None:
    t = _squash(s).rstrip(".")
    if m := _DATE_RES[0].fullmatch(t):
        return _ymd(m.group(1), m.group(2), m.group(3))
    if m := _DATE_RES[1].fullmatch(t):
        return _ymd(m.group(1), m.group(3), m.group(4))
    if m := _DATE_RES[2].fullmatch(t):
        return _ymd(m.group(1), m.group(2), m.group(3))
    return None


def parse_date(value: object) -> datetime.date | None:
    """填报日期: '2024年9月11日', '2024.09.11', '2024-9-11', '2024年9月' (day 1), date objects,
    Excel serials 20000..80000, yyyymmdd. Anything else -> None."""
    try:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, datetime.datetime):
            return None if value != value else value.date()  # NaT is != itself
        if isinstance(value, datetime.date):
            return value
        if _is_number(value):
            f = _as_float(value)
            if 20000 <= f <= 80000:  # ~1954..2119: anything else is not a plausible serial
                return _EXCEL_EPOCH + datetime.timedelta(days=int(f))
            if f.is_integer() and 19000101 <= f <= 21001231:
                return _parse_date_text(str(int(f)))
            return None
        return _parse_date_text(value if isinstance(value, str) else str(value))
    except Exception:
        return None


_PHONE_SPLIT_RE = _LazyRegex(r"[/、,;或及]+")
_MOBILE_RE = _LazyRegex(r"(?:\+?86)?1[3-9][\d*]{9}")
# 0 + 2-3 digit area code, 7-8 digit number, optional extension; brackets around the code.
_LANDLINE_RE = _LazyRegex(
    r"\(?0[1-9*][\d*]{1,2}\)?-?[\d*]{7,8}(?:(?:-|转|分机|ext\.?|x)\d{1,6})?", re.IGNORECASE
)
_PHONE_EDGE_RE = _LazyRegex(r"^[^\d(+]+|[^\d*]+$")  # labels such as '手机' / '电话:' around it


def _one_phone(part: str) -> bool:
    part = _PHONE_EDGE_RE.sub("", part)
    if not part:
        return False
    mobile = part.replace("-", "").replace("(", "").replace(")", "")
    if _MOBILE_RE.fullmatch(mobile) and sum(c.isdigit() for c in mobile) >= 7:
        return True  # masked mobiles '139****6836' still show at least 7 digits
    # Masked digits ('055*-***8003') count: a masked number still shows its length.
    return _LANDLINE_RE.fullmatch(part) is not None and sum(c.isdigit() or c == "*" for c in part) >= 10 \
        and sum(c.isdigit() for c in part) >= 5


@lru_cache(maxsize=_CACHE)
def _phone_text(s: str) -> bool:
    t = unicodedata.normalize("NFKC", s) if not s.isascii() else s
    for chunk in _PHONE_SPLIT_RE.split(t):
        # Spaces inside one number are grouping ('139 1234 5678'); only if that fails try
        # them as separators between two numbers.
        if _one_phone(_WS_RE.sub("", chunk)):
            return True
        if any(_one_phone(p) for p in _WS_RE.split(chunk) if p):
            return True
    return False


def is_plausible_phone(value: object) -> bool:
    """Chinese mobile (11 digits, starts 1, masks allowed) or landline with area code."""
    try:
        if value is None or isinstance(value, bool):
            return False
        if _is_number(value):
            f = _as_float(value)
            if not (math.isfinite(f) and f.is_integer()):
                return False
            digits = str(int(f))
            # A number cell drops a landline's leading 0 (0730-8888888 -> 7308888888).
            return _phone_text(digits) or (digits[0] != "1" and _phone_text("0" + digits))
        return _phone_text(value if isinstance(value, str) else str(value))
    except Exception:
        return False


# ---------------------------------------------------------------------------------------------
# Label/value cells and footers
# ---------------------------------------------------------------------------------------------

_COLON_RE = _LazyRegex(r"[:：∶]")
_QIZHONG_RE = _LazyRegex(r"^其中[:：]?")


def split_label_value(text: object) -> list[tuple[str, str]]:
    """'其中：基本支出：1,129.76万元' -> [('基本支出', '1,129.76万元')]; no colon -> [].

    Split on the LAST colon; the label is the segment after the previous colon, so decoration
    such as '其中：' or '按支出性质分：' in front falls away. One pair per cell.
    """
    try:
        if not isinstance(text, str):
            return []
        colons = [m.start() for m in _COLON_RE.finditer(text)]
        if not colons:
            return []
        last = colons[-1]
        start = colons[-2] + 1 if len(colons) > 1 else 0
        label = _QIZHONG_RE.sub("", norm_label(text[start:last]))
        if not label:
            return []
        value = text[last + 1 :].strip()  # str.strip also removes \u3000 and \xa0
        return [(label, value)]
    except Exception:
        return []


# Alias -> canonical key. Longer aliases first in the regex so '单位负责人' wins over '负责人'.
_FOOTER_KEYS: dict[str, str] = {
    "填表人": "填表人",
    "填报人": "填表人",
    "填报日期": "填报日期",
    "填表日期": "填报日期",
    "填报时间": "填报日期",
    "联系电话": "联系电话",
    "联系方式": "联系电话",
    "电话": "联系电话",
    "单位负责人": "单位负责人",
    "负责人": "单位负责人",
    "项目负责人": "项目负责人",
    "财务负责人": "财务负责人",
    "审核人": "审核人",
    "联系人": "联系人",
}


def _spaced(word: str) -> str:
    # Fillers pad labels for alignment ('填 表 人'); allow whitespace between characters.
    return r"\s*".join(re.escape(c) for c in word)


_FOOTER_RE = _LazyRegex(
    "(?P<label>"
    + "|".join(_spaced(k) for k in sorted(_FOOTER_KEYS, key=len, reverse=True))
    + r")\s*(?:\((?:签字|签章|签名|盖章)\)|签字|签章|签名|盖章)?\s*:?"
)
_FOOTER_VALUE_STRIP = " \t\r\n\u3000\xa0|;,，；、"


@lru_cache(maxsize=_CACHE)
def _parse_footer_str(s: str) -> dict[str, str]:
    t = unicodedata.normalize("NFKC", s)
    matches = list(_FOOTER_RE.finditer(t))
    out: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(t)
        key = _FOOTER_KEYS[_WS_RE.sub("", m.group("label"))]
        val = t[m.end() : end].strip(_FOOTER_VALUE_STRIP)
        if not out.get(key):  # first non-empty occurrence wins
            out[key] = val
    return out


def parse_footer(text: object) -> dict[str, str]:
    """'填表人：刘婷 填报日期：2024年9月11日 联系电话：… 单位负责人签字：李伟灵' -> dict.

    Keys are canonical (填表人, 填报日期, 联系电话, 单位负责人; 项目负责人 / 财务负责人 /
    审核人 / 联系人 keep their names); a present label with nothing after it maps to ''.
    """
    try:
        if not isinstance(text, str):
            return {}
        return dict(_parse_footer_str(text))  # copy: callers may mutate, the cache must not change
    except Exception:
        return {}
