"""Stage 4 — validate: the rule catalog run over the tidy frames of a whole batch.

Every rule is a vectorised pandera check over one frame (indicator rows, funds rows, per-form
aggregates, per-一级 groups, goals). A batch of many workbooks is validated in a handful of
`schema.validate(lazy=True)` calls; failure cases come back as frame indices, which map to cells
through the provenance columns (`*_cell`). Messages are rendered here, in Chinese, from the
catalog templates — never pandera's own error strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, overload

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .findings import Finding
from .labels import STANDARD_WEIGHTS, TAXONOMY, other_framework
from .rules import RULES, TOLERANCES
from .values import is_plausible_phone, parse_date, qualitative_band

Check = Callable[[pd.DataFrame], pd.Series]
Render = Callable[[Mapping[str, Any]], dict[str, Any]]

_KEY = ["file", "form_id"]


# ---------------------------------------------------------------- formatting helpers
def fmt(value: Any) -> str:
    """A number as a clerk writes it: 10, 8.5, 1463.31 (no float noise)."""
    if value is None:
        return "空"
    if isinstance(value, (int, float)):
        return _fmt_number(value)
    return str(value)


@lru_cache(maxsize=1 << 14)
def _fmt_number(value: float) -> str:
    # Cached: findings repeat the same few weights and scores (10, 8.5, 100…) thousands of times.
    if value != value:  # NaN: an empty cell of a float column
        return "空"
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: Any) -> str:
    if value is None or pd.isna(value):
        return "空"
    return fmt(round(float(value) * 100, 2)) + "%"


def _differs(a: pd.Series, b: pd.Series, tol: float) -> pd.Series:
    """|a − b| > tol, inclusive tolerance, after rounding away binary noise; False where either is NaN."""
    diff = (a.astype(float) - b.astype(float)).abs().round(9)
    return (diff > tol).fillna(False)


def _failures(df: pd.DataFrame, checks: dict[str, Check]) -> dict[str, list[Any]]:
    """Run named row checks as one pandera schema; return failing index labels per check name.

    A check returns True for valid rows. Failure cases are reported per column, so indices
    are de-duplicated per check.
    """
    if df.empty or not checks:
        return {}
    # Checks compute from the full frame they close over (a check is called with the frame's row
    # numbers only). pandera validates that one integer Series: failure cases come back one per
    # failing row with its index label, with none of the row × column reshaping a frame needs.
    schema = pa.SeriesSchema(checks=[pa.Check(lambda _rows, fn=fn: fn(df), name=code) for code, fn in checks.items()])
    rows = pd.Series(np.arange(len(df)), index=df.index, name="row")
    try:
        schema.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        out: dict[str, list[Any]] = {}
        for code, idx in cases[["check", "index"]].drop_duplicates().itertuples(index=False):
            if pd.notna(idx):
                out.setdefault(str(code), []).append(idx)
        return out
    return {}


class Validator:
    def __init__(self, frames: dict[str, pd.DataFrame], codes: set[str], tolerances: dict[str, float] | None = None,
                 weights: dict[str, float] | None = None, profile: str = "national"):
        self.forms = frames["forms"].reset_index(drop=True)
        self.funds = frames["funds"].reset_index(drop=True)
        self.indicators = frames["indicators"].reset_index(drop=True)
        self.goals = frames["goals"].reset_index(drop=True)
        answers = frames.get("answers")
        self.answers = answers.reset_index(drop=True) if answers is not None else pd.DataFrame(columns=["file", "form_id", "sheet", "cell", "text"])
        self.codes = codes
        self.tol = {**TOLERANCES, **(tolerances or {})}
        # The standard split (S208), funds weight (B106) and total (S204): configurable (SPEC §7).
        self.weights = {**STANDARD_WEIGHTS, "funds": 10.0, "total": 100.0, **(weights or {})}
        self.standard = {k: v for k, v in self.weights.items() if k in STANDARD_WEIGHTS}
        self.profile = profile
        self.findings: list[Finding] = []
        self._national: pd.Series | None = None
        self._names: dict[tuple[str, int], str | None] = {
            (f, int(i)): (n if isinstance(n, str) else (t if isinstance(t, str) else None))
            for f, i, n, t in self.forms[["file", "form_id", "name", "title"]].itertuples(index=False)
        }

    # ------------------------------------------------------------ plumbing
    def _emit(self, code: str, row: Mapping[str, Any], cell: Any, expected: Any = None, actual: Any = None, **fields: Any) -> None:
        rule = RULES[code]
        try:
            # Templates may name the expected/actual values too (B102: '… = {expected} 不符').
            message = rule.message.format(expected=expected, actual=actual, **fields)
        except (KeyError, IndexError):
            message = rule.title
        file, form_id, sheet = str(row["file"]), int(row["form_id"]), row.get("sheet")
        self.findings.append(
            Finding(
                rule=code,
                severity=rule.severity,
                file=file,
                sheet=str(sheet) if sheet is not None else None,
                cell=cell if isinstance(cell, str) else None,
                form=self._names.get((file, form_id)),
                message=message,
                expected=None if expected is None else str(expected),
                actual=None if actual is None else str(actual),
                form_id=form_id,
            )
        )

    def _run(self, df: pd.DataFrame, checks: dict[str, Check], renders: dict[str, Render]) -> None:
        enabled = {c: fn for c, fn in checks.items() if c.split(":")[0] in self.codes}
        failures = _failures(df, enabled)
        # In the order the checks are declared, then row order: pandera's failure cases come in
        # an order that depends on the batch, and findings on one cell must not swap places.
        for name in enabled:
            indices = failures.get(name)
            if not indices:
                continue
            code = name.split(":")[0]
            render = renders[name]
            for row in _Rows(df, sorted(indices)):
                self._emit(code, row, **render(row))

    def national(self) -> pd.Series:
        """Per indicator row: whether its form uses the national framework (computed once)."""
        if self._national is None:
            # profile 'none': no form is held to the national framework (no T401/T402/S208).
            self._national = (_national(self.indicators) if self.profile == "national"
                              else pd.Series(False, index=self.indicators.index))
        return self._national

    def run(self) -> list[Finding]:
        self.indicator_rows()
        self.funds_rows()
        self.form_totals()
        self.level1_groups()
        self.header_and_footer()
        self.goal_texts()
        self.cross_forms()
        return self.findings

    # ------------------------------------------------------------ indicator rows
    def indicator_rows(self) -> None:
        df = self.indicators
        if df.empty:
            return
        tol = self.tol["score"]
        w, s = df["weight"].astype(float), df["score"].astype(float)
        scored = w.notna() | s.notna()
        quantitative = (
            df["target_value"].notna()
            & df["actual_value"].notna()
            & ~df["target_qualitative"].astype(bool)
            & ~df["actual_qualitative"].astype(bool)
            & (df["target_unit"].fillna("") == df["actual_unit"].fillna(""))
        )
        met = _target_met(df)
        national = self.national()
        # Rows of forms that are scored (a 得分 column, or 分值 with actual values): a target
        # table's weights ask for no score, actual or reason (no S203/S212/C301–C303 there).
        forms = self.forms
        scored_forms = {k for k, sc in zip(zip(forms["file"].tolist(), forms["form_id"].tolist(), strict=True),
                                            forms["scoring"].tolist(), strict=True) if sc == "scored"}
        scored_form = pd.Series([k in scored_forms for k in zip(df["file"].tolist(), df["form_id"].tolist(), strict=True)],
                                index=df.index, dtype=bool)
        breakdown = _breakdown_rows(df)
        bands = _each(df["actual"], lambda t: qualitative_band(t) if isinstance(t, str) else None)
        blank = lambda col: df[col].isna()  # noqa: E731 - short local alias
        checks: dict[str, Check] = {
            "S201": lambda d: ~_differs(s, w, tol) | ~(s > w),
            "S202:score": lambda d: ~(s < 0).fillna(False),
            "S202:weight": lambda d: ~((w <= 0) & s.notna()).fillna(False),
            # Without a 得分 column at all the form gets one F005, not an S203 per row.
            "S203": lambda d: ~(scored_form & w.notna() & s.isna() & ~df["score_bad"].astype(bool) & _is_cell(df["score_cell"])),
            "S209": lambda d: ~(quantitative & met & (s < w - tol)).fillna(False),
            "S210": lambda d: ~(quantitative & ~met & w.notna() & ~_differs(s, w, tol) & s.notna() & (w > 0)).fillna(False),
            "S211": lambda d: ~pd.Series(
                [_outside_band(b, sc, wt) for b, sc, wt in zip(bands.tolist(), s.tolist(), w.tolist(), strict=True)], index=d.index
            ),
            # '其中…' rows break down the indicator above them: they carry no score of their own.
            "S212": lambda d: ~(scored_form & df["name"].notna() & df["target"].notna() & w.isna() & s.isna()
                                & df["weight_cell"].notna() & df["score_cell"].notna() & ~breakdown
                                & ~df["weight_bad"].astype(bool) & ~df["score_bad"].astype(bool)),
            # A rule fires only on columns the form has: no 实际完成值 column, no C302 per row.
            "C301": lambda d: ~(scored_form & (s < w - tol) & blank("reason") & df["reason_cell"].notna()).fillna(False),
            "C302": lambda d: ~(scored_form & scored & blank("actual") & df["actual_cell"].notna()),
            "C303": lambda d: ~(scored_form & scored & blank("target") & df["target_cell"].notna()),
            "C304": lambda d: ~(scored & blank("name") & _is_cell(df["name_cell"])),
            "V501:weight": lambda d: ~df["weight_bad"].astype(bool),
            "V501:score": lambda d: ~df["score_bad"].astype(bool),
            "T402": lambda d: ~(national & pd.Series(
                [_bad_level2(l1, l2) for l1, l2 in zip(df["level1_key"].tolist(), df["level2_key"].tolist(), strict=True)], index=d.index
            )),
        }
        name = lambda r: r["name"] or "（未填）"  # noqa: E731
        renders: dict[str, Render] = {
            "S201": lambda r: dict(cell=r["score_cell"], expected=f"≤ {fmt(r['weight'])}", actual=fmt(r["score"]),
                                   score=fmt(r["score"]), weight=fmt(r["weight"])),
            "S202:score": lambda r: dict(cell=r["score_cell"], expected="≥ 0", actual=fmt(r["score"]),
                                         what=f"得分 {fmt(r['score'])} 为负数"),
            "S202:weight": lambda r: dict(cell=r["weight_cell"], expected="> 0", actual=fmt(r["weight"]),
                                          what=f"已打分（得分 {fmt(r['score'])}）但分值为 {fmt(r['weight'])}"),
            "S203": lambda r: dict(cell=r["score_cell"], expected="得分", actual="空", weight=fmt(r["weight"])),
            "S209": lambda r: dict(cell=r["score_cell"], expected=fmt(r["weight"]), actual=fmt(r["score"])) | _fields_target(r),
            "S210": lambda r: dict(cell=r["score_cell"], expected=f"< {fmt(r['weight'])}", actual=fmt(r["score"])) | _fields_target(r),
            "S211": lambda r: _render_band(r),
            "S212": lambda r: dict(cell=r["weight_cell"], expected="分值/得分", actual="空", name=name(r)),
            "C301": lambda r: dict(cell=_cell_or(r, "reason_cell"), expected="偏差原因分析及改进措施", actual="空",
                                   score=fmt(r["score"]), weight=fmt(r["weight"])),
            "C302": lambda r: dict(cell=_cell_or(r, "actual_cell"), expected="实际完成值", actual="空", name=name(r)),
            "C303": lambda r: dict(cell=_cell_or(r, "target_cell"), expected="年度指标值", actual="空", name=name(r)),
            "C304": lambda r: dict(cell=r["name_cell"], expected="三级指标名称", actual="空"),
            "V501:weight": lambda r: dict(cell=r["weight_cell"], expected="数字", actual=r["weight_raw"], column="分值", raw=r["weight_raw"]),
            "V501:score": lambda r: dict(cell=r["score_cell"], expected="数字", actual=r["score_raw"], column="得分", raw=r["score_raw"]),
            "T402": lambda r: dict(cell=r["level2_cell"], expected="、".join(TAXONOMY.get(r["level1_key"], ())),
                                   actual=r["level2"], level1=r["level1_key"], level2=r["level2_key"],
                                   allowed="、".join(TAXONOMY.get(r["level1_key"], ()))),
        }
        self._run(df, checks, renders)

    # ------------------------------------------------------------ funds rows
    def funds_rows(self) -> None:
        df = self.funds
        if df.empty:
            return
        money = df[df["section"].isin(["total", "source"]) & (df["block"] == 0)]
        if not money.empty:
            budget, spent = money["budget"].astype(float), money["spent"].astype(float)
            rate, weight, score = money["rate"].astype(float), money["weight"].astype(float), money["score"].astype(float)
            has_rate = (budget > 0) & spent.notna()
            computed = (spent / budget).where(has_rate)
            # B102 uses the true rate where it can be computed, else the declared one.
            used_rate = computed.fillna(rate).clip(upper=1.0)
            expected_score = (used_rate * weight).round(6)
            is_total = money["section"] == "total"
            initial = money["budget_initial"].astype(float)
            cut = ((budget < initial - self.tol["money"]) & ~_differs(budget, spent, self.tol["money"])
                   & (budget > 0)).fillna(False).astype(bool)
            # B107 on a source row only where its form's total row does not show the cut already.
            total_cut = (cut & is_total).groupby([money["file"], money["form_id"]]).transform("any").astype(bool) \
                if (cut & ~is_total).any() else is_total
            checks: dict[str, Check] = {
                "B101": lambda d: ~(has_rate & rate.notna() & _differs(rate, computed, self.tol["rate"])),
                "B102": lambda d: ~(weight.notna() & score.notna() & used_rate.notna() & ~(budget == 0)
                                    & _differs(score, expected_score, self.tol["score"])),
                "B103": lambda d: ~(_differs(spent, budget, self.tol["money"]) & (spent > budget)).fillna(False),
                "B105:budget": lambda d: ~(is_total & budget.isna() & ~money["budget_bad"].astype(bool) & money["budget_cell"].notna()),
                "B105:spent": lambda d: ~(is_total & spent.isna() & ~money["spent_bad"].astype(bool) & money["spent_cell"].notna()),
                "B106": lambda d: ~(is_total & weight.notna()
                                    & _differs(weight, pd.Series(self.weights["funds"], index=d.index), 1e-9)),
                # B107 on the total row; on a source row only where the total does not show it
                # (a total left at 0 while its source was filled).
                "B107": lambda d: ~(cut & (is_total | ~total_cut)),
                "S203": lambda d: ~(is_total & weight.notna() & score.isna() & money["score_cell"].notna() & spent.notna()
                                    & ~money["score_bad"].astype(bool)),
            }
            renders: dict[str, Render] = {
                "B101": lambda r: dict(cell=r["rate_cell"], expected=pct(r["spent"] / r["budget"]), actual=pct(r["rate"]),
                                       # as a percent like the computed rate: never '0.95' beside '90%'
                                       declared=pct(r["rate"]), spent=fmt(r["spent"]), budget=fmt(r["budget"]),
                                       computed=pct(r["spent"] / r["budget"])),
                "B102": lambda r: _render_b102(r),
                "B103": lambda r: dict(cell=r["spent_cell"], expected=f"≤ {fmt(r['budget'])}", actual=fmt(r["spent"]),
                                       spent=fmt(r["spent"]), budget=fmt(r["budget"])),
                "B105:budget": lambda r: dict(cell=r["budget_cell"], expected="全年预算数", actual="空", column="全年预算数"),
                "B105:spent": lambda r: dict(cell=r["spent_cell"], expected="全年执行数", actual="空", column="全年执行数"),
                "B106": lambda r: dict(cell=r["weight_cell"], expected=fmt(self.weights["funds"]), actual=fmt(r["weight"]),
                                       weight=fmt(r["weight"])),
                "B107": lambda r: dict(cell=r["budget_cell"], expected=f"≥ {fmt(r['budget_initial'])}", actual=fmt(r["budget"]),
                                       budget=fmt(r["budget"]), initial=fmt(r["budget_initial"])),
                "S203": lambda r: dict(cell=r["score_cell"], expected="得分", actual="空", weight=fmt(r["weight"])),
            }
            self._run(money, checks, renders)
        # V501 over every numeric funds field (amount text in department cells included).
        v_checks: dict[str, Check] = {}
        v_renders: dict[str, Render] = {}
        labels = {"budget_initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数", "weight": "分值",
                  "rate": "执行率", "score": "得分", "amount": "金额"}
        for col, label in labels.items():
            v_checks[f"V501:{col}"] = (lambda c: lambda d: ~df[f"{c}_bad"].astype(bool))(col)
            v_renders[f"V501:{col}"] = (lambda c, lb: lambda r: dict(cell=r[f"{c}_cell"], expected="数字", actual=r[f"{c}_raw"],
                                                                    column=lb, raw=r[f"{c}_raw"]))(col, label)
        self._run(df, v_checks, v_renders)

    # ------------------------------------------------------------ per-form totals
    def form_totals(self) -> None:
        forms = self.forms
        if forms.empty:
            return
        ind = self.indicators
        ind_sum = ind.groupby(_KEY)[["weight", "score"]].sum(min_count=1) if not ind.empty else None
        # A row scored in a block without a 分值 column (weights only in labels): the form's
        # total weight is unknown, not short.
        ind_bad = None
        if not ind.empty:
            keys = [ind["file"], ind["form_id"]]
            ind_bad = pd.DataFrame({
                "weight_bad": (ind["weight_bad"].astype(bool) | (ind["score"].notna() & ind["weight_cell"].isna())).groupby(keys).any(),
                "score_bad": ind["score_bad"].astype(bool).groupby(keys).any(),
            })
        funds = self.funds
        # The funds weight/score of a form: its 年度资金总额 row, else (no total row, reported as
        # B105) the first source row that carries a 分值 or 得分.
        if not funds.empty:
            money = funds[funds["section"].isin(["total", "source"]) & (funds["block"] == 0)]
            scored = money["weight"].notna() | money["score"].notna()
            money = money[(money["section"] == "total") | scored]
            totals = money.sort_values("section", key=lambda s: s != "total", kind="stable").drop_duplicates(_KEY)
        else:
            totals = funds
        agg = forms.set_index(_KEY)
        agg["ind_weight"] = ind_sum["weight"] if ind_sum is not None else None
        agg["ind_score"] = ind_sum["score"] if ind_sum is not None else None
        t = totals.set_index(_KEY) if not totals.empty else None
        for col in ("weight", "score", "weight_cell", "budget", "budget_cell", "row", "weight_bad", "score_bad"):
            agg[f"funds_{col}"] = t[col] if t is not None and col in t else None
        # A 分值/得分 that is not a number (V501) makes its form's sums unknowable: no S204–S207 then.
        for col in ("weight", "score"):
            bad_ind = ind_bad[f"{col}_bad"] if ind_bad is not None else False
            agg[f"{col}s_unknown"] = (agg[f"funds_{col}_bad"].astype("boolean").fillna(False)
                                      | pd.Series(bad_ind, index=agg.index).astype("boolean").fillna(False)).astype(bool)
        # Sichuan-style blocks declare the funds weight in the label: '预算执行情况(10分)'.
        agg["funds_weight"] = agg["funds_weight"].astype(float).fillna(agg["funds_weight_declared"].astype(float))
        agg = agg.reset_index()
        fw = agg["funds_weight"].astype(float).fillna(0)
        fs = agg["funds_score"].astype(float).fillna(0)
        iw = agg["ind_weight"].astype(float).fillna(0)
        isc = agg["ind_score"].astype(float).fillna(0)
        sum_w, sum_s = (fw + iw).round(6), (fs + isc).round(6)
        tol = self.tol["score"]
        # A funds block without a 分值 column leaves its 10 points implied (绩效指标(90分)):
        # the indicators then add up to 90 or to 100.
        implied_funds = (agg["has_funds"].astype(bool) & ~agg["funds_has_weight"].astype(bool)
                         & agg["funds_weight"].isna())
        total, funds_standard = self.weights["total"], self.weights["funds"]
        off_100 = _differs(sum_w, pd.Series(total, index=agg.index), tol)
        off_90 = _differs(sum_w, pd.Series(total - funds_standard, index=agg.index), tol)
        wrong_total = off_100 & ~(implied_funds & ~off_90)
        filled = self._filled_indicators(agg)
        has_scores = (agg["ind_score"].notna() | agg["funds_score"].notna()).astype(bool)
        checks: dict[str, Check] = {
            "S204": lambda d: ~(agg["ind_weight"].notna() & ~agg["weights_unknown"] & wrong_total),
            # No indicator at all: C309 — unless the indicator block was not understood (F006).
            "C309": lambda d: ~((filled == 0) & ~agg["has_unknown"].astype(bool)),
            # Only where some score is known: a form whose score column was not read adds up to nothing.
            "S206": lambda d: ~(agg["total_score"].notna() & ~agg["scores_unknown"] & has_scores
                                & _differs(agg["total_score"], sum_s, tol)),
            "S206:declared": lambda d: ~(agg["declared_score"].notna() & ~agg["scores_unknown"] & has_scores
                                         & _differs(agg["declared_score"].astype(float), sum_s, tol)),
            "S207": lambda d: ~(agg["total_weight"].notna() & ~agg["weights_unknown"] & _differs(agg["total_weight"], sum_w, tol)),
            "F005": lambda d: agg["missing"].isna(),
            # A funds weight declared only in the block's label ('预算执行情况(20分)').
            "B106:declared": lambda d: ~(agg["funds_weight_declared"].notna() & ~agg["funds_has_weight"].astype(bool)
                                         & _differs(agg["funds_weight_declared"].astype(float),
                                                    pd.Series(self.weights["funds"], index=d.index), 1e-9)),
            "V501:total_weight": lambda d: ~agg["total_weight_bad"].astype(bool),
            "V501:total_score": lambda d: ~agg["total_score_bad"].astype(bool),
        }
        renders: dict[str, Render] = {
            "S204": lambda r: dict(cell=r["total_weight_cell"] if isinstance(r["total_weight_cell"], str) else r["title_cell"],
                                   expected=fmt(self.weights["total"]), actual=fmt(r["_sum_w"]), sum=fmt(r["_sum_w"]),
                                   funds=fmt(r["_fw"]), indicators=fmt(r["_iw"])),
            "S206": lambda r: dict(cell=r["total_score_cell"], expected=fmt(r["_sum_s"]), actual=fmt(r["total_score"]),
                                   declared=fmt(r["total_score"]), funds=fmt(r["_fs"]), indicators=fmt(r["_is"]), sum=fmt(r["_sum_s"])),
            "S206:declared": lambda r: dict(cell=r["declared_score_cell"], expected=fmt(r["_sum_s"]), actual=fmt(r["declared_score"]),
                                            declared=fmt(r["declared_score"]), funds=fmt(r["_fs"]), indicators=fmt(r["_is"]),
                                            sum=fmt(r["_sum_s"])),
            "S207": lambda r: dict(cell=r["total_weight_cell"], expected=fmt(r["_sum_w"]), actual=fmt(r["total_weight"]),
                                   declared=fmt(r["total_weight"]), funds=fmt(r["_fw"]), indicators=fmt(r["_iw"]), sum=fmt(r["_sum_w"])),
            "C309": lambda r: dict(cell=r["indicator_header_cell"] if isinstance(r["indicator_header_cell"], str) else r["title_cell"],
                                   expected="至少一个三级指标", actual="无"),
            "F005": lambda r: dict(cell=r["title_cell"], expected=None, actual=None, what=r["missing"]),
            "B106:declared": lambda r: dict(cell=r["funds_label_cell"], expected=fmt(self.weights["funds"]),
                                            actual=fmt(r["funds_weight_declared"]),
                                            weight=fmt(r["funds_weight_declared"])),
            "V501:total_weight": lambda r: dict(cell=r["total_weight_cell"], expected="数字", actual=r["total_weight_raw"], column="合计分值", raw=r["total_weight_raw"]),
            "V501:total_score": lambda r: dict(cell=r["total_score_cell"], expected="数字", actual=r["total_score_raw"], column="合计得分", raw=r["total_score_raw"]),
        }
        agg = agg.assign(_sum_w=sum_w, _sum_s=sum_s, _fw=fw, _fs=fs, _iw=iw, _is=isc)
        self._run(agg, checks, renders)
        self._funds_sums()

    def _filled_indicators(self, agg: pd.DataFrame) -> pd.Series:
        """Per form (in agg's order): 1 where at least one indicator row is filled in (a 三级指标
        with a target, a 分值 or a 得分), else 0."""
        ind = self.indicators
        if ind.empty:
            return pd.Series(0, index=agg.index)
        filled = (ind["weight"].notna() | ind["score"].notna()
                  | (ind["name"].notna() & (ind["target"].notna() | ind["actual"].notna())))
        with_filled = ind.loc[filled, _KEY].drop_duplicates()
        forms = set(zip(with_filled["file"].tolist(), with_filled["form_id"].tolist(), strict=True))
        return pd.Series([int(k in forms) for k in zip(agg["file"].tolist(), agg["form_id"].tolist(), strict=True)],
                         index=agg.index)

    def _funds_sums(self) -> None:
        """B104/B105 (total row vs its sources) and X601/X602 (department split), per form."""
        funds = self.funds
        if funds.empty:
            return
        tol = self.tol["money"]
        rows: list[dict[str, Any]] = []
        names = {"budget_initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数"}
        # Plain dict records grouped by form, built from the columns read here only: a pandas
        # slice per form costs ~1 ms, and a dict lookup is a tenth of a _Row lookup.
        listed = {"amount": "金额"}  # a funds list outside the funds block has one amount per item
        needed = ["file", "form_id", "sheet", "block", "section", "source", "partition",
                  *names, *listed, *(f"{c}_bad" for c in (*names, *listed)), *(f"{c}_cell" for c in (*names, *listed))]
        groups: dict[tuple[Any, Any, Any], list[dict[str, Any]]] = {}
        for values in zip(*(funds[c].tolist() for c in needed), strict=True):
            rec = dict(zip(needed, values, strict=True))
            groups.setdefault((rec["file"], rec["form_id"], rec["block"]), []).append(rec)
        for (file, form_id, block), group in groups.items():
            totals = [g for g in group if g["section"] == "total"]
            if not totals:
                continue
            t = totals[0]
            base = {"file": file, "form_id": form_id, "sheet": group[0]["sheet"]}
            sources = [g for g in group if g["section"] == "source"]
            for col, label in (names if block == 0 else listed).items():
                # An empty 全年预算数/全年执行数 total is B105, a non-number total is V501: not also B104.
                if t[f"{col}_bad"] or (col in ("budget", "spent") and not _present(t[col])) or t[f"{col}_cell"] is None:
                    continue
                for parts, filled in _source_splits(sources, col):
                    rows.append(dict(base, kind="B104", column=label, total=t[col], sum=float(sum(filled)),
                                     cell=t[f"{col}_cell"], parts=parts))
            if block != 0 or not _present(t["budget"]):
                continue  # no 全年预算数 to compare the department split with: B105 / V501 say why
            income = [g["amount"] for g in group if g["section"] == "income" and _present(g["amount"])]
            expense = [g for g in group if g["section"] == "expense" and _present(g["amount"])]
            basic = [g["amount"] for g in expense if "基本支出" in str(g["source"])]
            project = [g["amount"] for g in expense if "项目支出" in str(g["source"])]
            if basic or project:
                rows.append(dict(base, kind="X601", total=t["budget"], basic=sum(basic) if basic else None,
                                 project=sum(project) if project else None, sum=float(sum(basic) + sum(project)),
                                 cell=t["budget_cell"]))
            if income:
                rows.append(dict(base, kind="X602", total=t["budget"], sum=float(sum(income)), cell=t["budget_cell"]))
        if rows:
            self._funds_sum_checks(pd.DataFrame(rows), tol)
        # B105 where a funds block of known sources has no 年度资金总额 row at all.
        if "B105" in self.codes:
            totals = funds[(funds["section"] == "total") & (funds["block"] == 0)]
            has_total = set(zip(totals["file"].tolist(), totals["form_id"].tolist(), strict=True))
            sourced = funds[(funds["section"] == "source") & funds["partition"].isin(["income", "level"])]
            with_sources = set(zip(sourced["file"].tolist(), sourced["form_id"].tolist(), strict=True))
            for form in _Rows(self.forms, list(self.forms.index)):
                label_cell = form["funds_label_cell"]
                key = (form["file"], form["form_id"])
                if isinstance(label_cell, str) and key not in has_total and key in with_sources:
                    self._emit("B105", form, label_cell, "年度资金总额行", "缺失", column="整行（资金表中缺少这一行）")

    def _funds_sum_checks(self, df: pd.DataFrame, tol: float) -> None:
        for col in ("basic", "project", "parts"):
            if col not in df:
                df[col] = None
        differs = _differs(df["total"], df["sum"], tol) | (df["total"].isna() & df["sum"].notna())
        checks: dict[str, Check] = {
            "B104": lambda d: ~((df["kind"] == "B104") & differs),
            "X601": lambda d: ~((df["kind"] == "X601") & differs),
            "X602": lambda d: ~((df["kind"] == "X602") & differs),
        }
        renders: dict[str, Render] = {
            "B104": lambda r: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), column=r["column"],
                                   total=fmt(r["total"]), sum=fmt(r["sum"]), parts=r["parts"]),
            "X601": lambda r: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), total=fmt(r["total"]),
                                   basic=fmt(r["basic"]), project=fmt(r["project"]), sum=fmt(r["sum"])),
            "X602": lambda r: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), total=fmt(r["total"]), sum=fmt(r["sum"])),
        }
        self._run(df, checks, renders)

    # ------------------------------------------------------------ per-一级 groups
    def level1_groups(self) -> None:
        ind = self.indicators
        if ind.empty:
            return
        national = self.national()
        # Weights declared in labels only ('相关性(5分)', no 分值 column): nothing to add up.
        grouped = ind[ind["level1_cell"].notna()].assign(national=national, weighted=ind["weight_cell"].notna()).groupby(
            ["file", "form_id", "level1_cell"], sort=False)
        groups = grouped.agg(sheet=("sheet", "first"), level1=("level1", "first"), level1_key=("level1_key", "first"),
                             declared=("level1_weight", "first"), national=("national", "first"),
                             weight_bad=("weight_bad", "any"), weighted=("weighted", "any"))
        groups["sum"] = grouped["weight"].sum(min_count=1)
        groups = groups.reset_index()
        # A block label declaring its own total ('绩效指标(90分)', Sichuan) means a free split: no S208.
        free_split = self.forms[_KEY].assign(free_split=self.forms["indicators_weight_declared"].notna())
        groups = groups.merge(free_split, on=_KEY, how="left")
        groups["free_split"] = groups["free_split"].fillna(False).astype(bool)
        tol = self.tol["score"]
        declared = groups["declared"].astype(float)
        total = groups["sum"].astype(float).fillna(0)
        weight = declared.fillna(groups["sum"].astype(float))
        standard = groups["level1_key"].map(self.standard).astype(float)
        checks: dict[str, Check] = {
            "S205": lambda d: ~(declared.notna() & groups["weighted"].astype(bool) & ~groups["weight_bad"].astype(bool)
                                & _differs(total, declared, tol)),
            "S208": lambda d: ~(standard.notna() & weight.notna() & ~groups["free_split"] & groups["national"]
                                & _differs(weight, standard, tol)),
            "T401": lambda d: ~(groups["national"] & ~groups["level1_key"].isin(list(TAXONOMY))),
        }
        renders: dict[str, Render] = {
            "S205": lambda r: dict(cell=r["level1_cell"], expected=fmt(r["declared"]), actual=fmt(r["sum"]),
                                   level1=r["level1_key"], sum=fmt(r["sum"] if pd.notna(r["sum"]) else 0), declared=fmt(r["declared"])),
            "S208": lambda r: dict(cell=r["level1_cell"], expected=fmt(self.standard[r["level1_key"]]),
                                   actual=fmt(r["declared"] if pd.notna(r["declared"]) else r["sum"]), level1=r["level1_key"],
                                   weight=fmt(r["declared"] if pd.notna(r["declared"]) else r["sum"]),
                                   standard=fmt(self.standard[r["level1_key"]])),
            "T401": lambda r: dict(cell=r["level1_cell"], expected="产出/效益/满意度/成本指标", actual=r["level1"], level1=_one_line(r["level1"])),
        }
        self._run(groups, checks, renders)

    # ------------------------------------------------------------ header, footer, dates, phones
    def header_and_footer(self) -> None:
        forms = self.forms
        if forms.empty:
            return
        project = forms["kind"] == "project"
        years = forms["year"].astype(float)
        dates = _each(forms["fill_date"], lambda v: parse_date(v) if isinstance(v, str) else None)
        date_year = _each(dates, lambda d: d.year if d is not None else None).astype(float)
        footer = forms["has_footer"].astype(bool)
        checks: dict[str, Check] = {
            # Only fields the form has a label for: a form without a 实施单位 row lacks nothing.
            "C305:name": lambda d: ~(forms["name"].isna() & forms["name_cell"].notna()),
            "C305:department": lambda d: ~(project & forms["department"].isna() & forms["department_cell"].notna()),
            "C305:unit": lambda d: ~(project & forms["unit"].isna() & forms["unit_cell"].notna()),
            "C306:filler": lambda d: ~(footer & forms["filler"].isna()),
            "C306:fill_date": lambda d: ~(footer & forms["fill_date"].isna()),
            "C306:phone": lambda d: ~(footer & forms["phone"].isna()),
            "V502": lambda d: ~(forms["phone"].notna() & ~_each(forms["phone"], lambda p: is_plausible_phone(p) if isinstance(p, str) else True, bool)),
            "V503:not_date": lambda d: ~(forms["fill_date"].notna() & dates.isna()),
            "V503:range": lambda d: ~(date_year.notna() & years.notna() & ((date_year < years) | (date_year > years + 1))),
        }
        field_names = {"name": "名称", "department": "主管部门", "unit": "实施单位"}

        def c305(col: str) -> Render:
            def render(r: Mapping[str, Any]) -> dict[str, Any]:
                label = ("部门名称" if r["kind"] == "department" else "项目名称") if col == "name" else field_names[col]
                cell = r[f"{col}_cell"] if isinstance(r[f"{col}_cell"], str) else r["title_cell"]
                return dict(cell=cell, expected=label, actual="空", field=label)
            return render

        def c306(col: str, label: str) -> Render:
            return lambda r: dict(cell=r[f"{col}_cell"] if isinstance(r[f"{col}_cell"], str) else _first_footer_cell(r),
                                  expected=label, actual="空", field=label)

        renders: dict[str, Render] = {
            "C305:name": c305("name"),
            "C305:department": c305("department"),
            "C305:unit": c305("unit"),
            "C306:filler": c306("filler", "填表人"),
            "C306:fill_date": c306("fill_date", "填报日期"),
            "C306:phone": c306("phone", "联系电话"),
            "V502": lambda r: dict(cell=r["phone_cell"], expected="手机或带区号的固定电话", actual=r["phone"], phone=r["phone"]),
            "V503:not_date": lambda r: dict(cell=r["fill_date_cell"], expected="日期", actual=r["fill_date"],
                                            what=f"填报日期“{r['fill_date']}”不是有效日期"),
            "V503:range": lambda r: dict(cell=r["fill_date_cell"], expected=f"{int(r['year'])}–{int(r['year']) + 1} 年",
                                         actual=r["fill_date"],
                                         what=f"填报日期“{r['fill_date']}”不在评价年度 {int(r['year'])} 至 {int(r['year']) + 1} 年之间"),
        }
        self._run(forms, checks, renders)

    # ------------------------------------------------------------ goals
    def goal_texts(self) -> None:
        goals = self.goals
        if goals.empty:
            return
        first = goals["goal_index"] == 1
        same = goals["expected"].notna() & (_each(goals["expected"].fillna(""), _squash) == _each(goals["actual"].fillna(""), _squash))
        checks: dict[str, Check] = {
            "C307:expected": lambda d: ~(first & goals["expected"].isna() & goals["expected_cell"].notna()),
            "C307:actual": lambda d: ~(first & goals["actual"].isna() & goals["actual_cell"].notna()),
            "C307:same": lambda d: ~same,
            "C308:expected": lambda d: ~_instructions(goals["expected"]),
            "C308:actual": lambda d: ~_instructions(goals["actual"]),
        }
        renders: dict[str, Render] = {
            "C307:expected": lambda r: dict(cell=r["expected_cell"], expected="预期目标", actual="空", what="年度总体目标的预期目标为空"),
            "C307:actual": lambda r: dict(cell=r["actual_cell"], expected="实际完成情况", actual="空", what="年度总体目标的实际完成情况为空"),
            "C307:same": lambda r: dict(cell=r["actual_cell"], expected="实际完成情况", actual="与预期目标相同",
                                        what="实际完成情况与预期目标完全相同（照抄）"),
            "C308:expected": lambda r: dict(cell=r["expected_cell"], expected="实际内容", actual=_short(r["expected"]), text=_short(r["expected"])),
            "C308:actual": lambda r: dict(cell=r["actual_cell"], expected="实际内容", actual=_short(r["actual"]), text=_short(r["actual"])),
        }
        self._run(goals, checks, renders)
        answers = self.answers
        if not answers.empty and "C308" in self.codes:
            hits = answers[_instructions(answers["text"])]
            for r in _Rows(hits, list(hits.index)):
                self._emit("C308", r, r["cell"], "实际内容", _short(r["text"]), text=_short(r["text"]))
        # Template instructions also end up in indicator text cells.
        ind = self.indicators
        if not ind.empty and "C308" in self.codes:
            for col in ("name", "target", "actual", "reason"):
                hits = ind[_instructions(ind[col])]
                for r in _Rows(hits, list(hits.index)):
                    self._emit("C308", r, r[f"{col}_cell"], "实际内容", _short(r[col]), text=_short(r[col]))

    # ------------------------------------------------------------ across forms
    def cross_forms(self) -> None:
        """X603: project forms' 全年预算数 vs the department form's 项目支出, per workbook."""
        funds, forms = self.funds, self.forms
        if funds.empty or "X603" not in self.codes:
            return
        dept_forms = forms[forms["kind"] == "department"]
        if dept_forms.empty:
            return
        project_ids = forms[forms["kind"] == "project"][_KEY]
        totals = funds[(funds["section"] == "total")].merge(project_ids, on=_KEY)
        project_budget = totals.groupby("file")["budget"].sum(min_count=1)
        expense = funds[(funds["section"] == "expense") & funds["source"].str.contains("项目支出", na=False)]
        items = expense.merge(dept_forms[_KEY], on=_KEY).drop_duplicates(_KEY)
        items = items[items["amount"].notna() & items["file"].isin(project_budget.index)]
        if items.empty:
            return
        df = pd.DataFrame({"file": items["file"], "form_id": items["form_id"], "sheet": items["sheet"],
                           "cell": items["amount_cell"], "project": items["amount"].astype(float),
                           "sum": items["file"].map(project_budget).astype(float)}).reset_index(drop=True)
        exceeds = (df["sum"] - df["project"]).round(9) > self.tol["money"]
        self._run(df, {"X603": lambda d: ~exceeds},
                  {"X603": lambda r: dict(cell=r["cell"], expected=f"≤ {fmt(r['project'])}", actual=fmt(r["sum"]),
                                          sum=fmt(r["sum"]), project=fmt(r["project"]))})


def _breakdown_rows(df: pd.DataFrame) -> pd.Series:
    """Unscored rows that break down the scored indicator above them: '其中…' rows, and the rows
    under a scored indicator written without a target of its own ('★补助种植面积 | 10 | | | 10'
    then '红薯种植面积 | | 5.5亩 | 5.5亩'). They carry no score of their own (no S212)."""
    out: list[bool] = []
    parent_without_target = False
    last_key: tuple[Any, Any, Any] | None = None
    for name, target, weight, score, file, form_id, l2 in zip(
            df["name"].tolist(), df["target"].tolist(), df["weight"].tolist(), df["score"].tolist(),
            df["file"].tolist(), df["form_id"].tolist(), df["level2_cell"].tolist(), strict=True):
        key = (file, form_id, l2)
        if key != last_key:
            parent_without_target, last_key = False, key
        scored = _present(weight) or _present(score)
        if scored:
            parent_without_target = not _present(target)
            out.append(False)
            continue
        out.append((isinstance(name, str) and name.lstrip().startswith("其中")) or parent_without_target)
    return pd.Series(out, index=df.index, dtype=bool)


def _national(ind: pd.DataFrame) -> pd.Series:
    """Per indicator row: whether its form uses the national indicator framework. A form with
    any 一级 label of another framework (四川 部门决策/综合管理…, older 投入/过程/效果,
    决策/过程/产出/效益) uses that one: T401/T402/S208 do not apply to it."""
    keys = ind["level1_key"]
    forms = list(zip(ind["file"].tolist(), ind["form_id"].tolist(), strict=True))
    others = {k for k in keys.dropna().unique().tolist() if isinstance(k, str) and other_framework(k)}
    if not others:  # the usual batch: every form's 一级 labels are national or unknown
        known_forms = {f for f, k in zip(forms, keys.tolist(), strict=True) if k in TAXONOMY}
        return pd.Series([f in known_forms for f in forms], index=ind.index, dtype=bool)
    known = keys.isin(list(TAXONOMY))
    other = keys.isin(others)
    form_keys = [ind["file"], ind["form_id"]]
    # An unusual 一级 over national 二级 ('项目决策' over 数量/质量/时效/成本指标) is a national
    # group given a wrong name (T401), not another framework.
    national_l2 = ind["level2_key"].isin(_NATIONAL_LEVEL2)
    group = [ind["file"], ind["form_id"], ind["level1_cell"].fillna("")]
    mislabelled = national_l2.groupby(group).transform("all") & ind["level2_key"].notna().groupby(group).transform("all")
    genuine_other = other & ~mislabelled
    return (known.groupby(form_keys).transform("any") & ~genuine_other.groupby(form_keys).transform("any")).astype(bool)


_NATIONAL_LEVEL2 = [l2 for l2s in TAXONOMY.values() for l2 in l2s]


def _source_splits(sources: list[dict[str, Any]], col: str) -> list[tuple[str, list[float]]]:
    """The ways the source rows split the total in one column, each to be summed on its own:
    income sources (当年财政拨款 + 上年结转 + 其他…), expense (基本支出 + 项目支出), and levels of
    government (中央 + 省 + 市 + 县) where no income source is given. Rows that are a breakdown
    of another row are left out; a row whose label is not understood makes the column unsure
    (no sum) unless it is the only kind of row."""
    filled = [g for g in sources if _present(g[col])]
    if all(g["partition"] == "income" for g in filled):  # the usual block: income sources only
        return [("各资金来源", [g[col] for g in filled])] if filled else []
    by_part: dict[str | None, list[dict[str, Any]]] = {}
    for g in filled:
        by_part.setdefault(g["partition"], []).append(g)
    if not by_part:
        return []
    known = {p: rows for p, rows in by_part.items() if p in ("income", "level", "expense")}
    if None in by_part:
        if known:
            return []  # an unknown row among known ones: which split it belongs to is unsure
        rows = by_part[None]
        return [("各资金来源", [g[col] for g in rows])] if len(rows) >= 2 else []
    out: list[tuple[str, list[float]]] = []
    if "income" in known:
        out.append(("各资金来源", [g[col] for g in known["income"]]))
    elif "level" in known:
        out.append(("各级资金", [g[col] for g in known["level"]]))
    if "expense" in known:
        out.append(("基本支出与项目支出", [g[col] for g in known["expense"]]))
    return out


def _present(value: Any) -> bool:
    """Not None and not NaN (pd.notna for one plain value, without its dispatch cost)."""
    return value is not None and value is not pd.NA and value == value


def _each(series: pd.Series, fn: Callable[[Any], Any], dtype: Any = object) -> pd.Series:
    """`fn` of every value, over a plain list (Series.map on string columns boxes each value
    through pandas and is several times slower)."""
    return pd.Series([fn(v) for v in series.tolist()], index=series.index, dtype=dtype)


class _Rows(Sequence["_Row"]):
    """Rows of a frame read like dicts (failing rows, for rendering findings). Columns are
    turned into plain lists only when asked for: a rule reads a handful of 30–60 columns, and
    `to_dict("records")` boxes every cell one by one."""

    def __init__(self, df: pd.DataFrame, labels: list[Any]) -> None:
        self._df = df
        self._positions = df.index.get_indexer(labels)  # copying whole rows of a wide frame is slow
        self._n = len(self._positions)
        self._columns: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any]:
        values = self._columns.get(name)
        if values is None:
            if name not in self._df.columns:
                raise KeyError(name)
            values = self._columns[name] = self._df[name].iloc[self._positions].tolist()
        return values

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[_Row]:
        return (_Row(self, i) for i in range(self._n))

    @overload
    def __getitem__(self, i: int) -> _Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[_Row]: ...
    def __getitem__(self, i: int | slice) -> _Row | list[_Row]:
        if isinstance(i, slice):
            return [_Row(self, k) for k in range(self._n)[i]]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return _Row(self, i % self._n)


class _Row(Mapping[str, Any]):
    """One row of `_Rows`, read like a dict: r["score"], r.get("sheet")."""

    __slots__ = ("_rows", "_i")

    def __init__(self, rows: _Rows, i: int) -> None:
        self._rows, self._i = rows, i

    def __getitem__(self, name: str) -> Any:
        return self._rows.column(name)[self._i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows._df.columns)

    def __len__(self) -> int:
        return len(self._rows._df.columns)


# ---------------------------------------------------------------- rule helpers
def _target_met(df: pd.DataFrame) -> pd.Series:
    t, a = df["target_value"].astype(float), df["actual_value"].astype(float)
    op = df["target_op"].fillna("≥")
    met = pd.Series(False, index=df.index)
    met = met.mask(op.isin(["≥", "="]), a >= t - 1e-9)
    met = met.mask(op == ">", a > t + 1e-9)
    met = met.mask(op == "≤", a <= t + 1e-9)
    met = met.mask(op == "<", a < t - 1e-9)
    return met.fillna(False).astype(bool)


def _outside_band(band: tuple[float, float] | None, score: float, weight: float) -> bool:
    if band is None or not _present(score) or not _present(weight) or weight <= 0:
        return False
    share = round(score / weight, 9)
    return not (band[0] - 1e-9 <= share <= band[1] + 1e-9)


def _render_band(r: Mapping[str, Any]) -> dict[str, Any]:
    lo, hi = qualitative_band(r["actual"]) or (0.0, 1.0)
    return dict(cell=r["score_cell"], expected=f"{fmt(lo * r['weight'])}–{fmt(hi * r['weight'])}", actual=fmt(r["score"]),
                band=f"{fmt(lo * 100)}%–{fmt(hi * 100)}%", score=fmt(r["score"]), weight=fmt(r["weight"]), result=r["actual"])


def _fields_target(r: Mapping[str, Any]) -> dict[str, Any]:
    return dict(target=r["target"], result=r["actual"], score=fmt(r["score"]), weight=fmt(r["weight"]))


def _render_b102(r: Mapping[str, Any]) -> dict[str, Any]:
    rate = r["spent"] / r["budget"] if (pd.notna(r["budget"]) and r["budget"] and pd.notna(r["spent"])) else r["rate"]
    expected = min(float(rate), 1.0) * float(r["weight"])
    return dict(cell=r["score_cell"], expected=fmt(expected), actual=fmt(r["score"]), score=fmt(r["score"]),
                rate=pct(min(float(rate), 1.0)), weight=fmt(r["weight"]))


@lru_cache(maxsize=4096)
def _bad_level2(level1: Any, level2: Any) -> bool:
    """Whether a 二级 does not belong to its 一级. A label that holds an allowed one or is a
    shorter form of it ('服务对象满意度指标等', '满意度指标' under 满意度) belongs."""
    if not isinstance(level1, str) or not isinstance(level2, str) or level1 not in TAXONOMY:
        return False
    return not any(a in level2 or level2 in a for a in TAXONOMY[level1])


_A1_RE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")


@lru_cache(maxsize=1 << 16)
def _is_a1(cell: str) -> bool:
    return bool(_A1_RE.match(cell))


def _is_cell(cells: pd.Series) -> pd.Series:
    """True where a provenance value is a real A1 address (a column the form lacks gives none)."""
    return _each(cells, lambda c: isinstance(c, str) and _is_a1(c), bool)


def _cell_or(r: Mapping[str, Any], col: str) -> Any:
    """The row's cell of `col`; where the form has no such column, its 三级指标 cell."""
    for c in (col, "name_cell", "score_cell"):
        v = r.get(c)
        if isinstance(v, str) and _A1_RE.match(v):
            return v
    return None


def _first_footer_cell(r: Mapping[str, Any]) -> str | None:
    for col in ("filler_cell", "fill_date_cell", "phone_cell", "leader_cell"):
        if isinstance(r.get(col), str):
            return r[col]
    return r.get("title_cell")


_INSTRUCTION_RE = re.compile(r"(\d+\s*字以内|\d+\s*字以下|对照年度.{0,12}说明|请(填写|简要|说明|按照)|填写说明|此处填写|如：.{0,20}…)")


def _is_instruction(text: Any) -> bool:
    return isinstance(text, str) and bool(_INSTRUCTION_RE.search(text))


# Every instruction holds one of these: a cheap literal search finds the candidate texts.
_INSTRUCTION_HINT_RE = re.compile(r"字以[内下]|说明|请|填写|如：")


def _instructions(texts: pd.Series) -> pd.Series:
    """_is_instruction of every value. The texts of a whole batch are scanned for hints as one
    NUL-separated string (the regex engine does the loop); only the texts hit are matched."""
    values = [v if isinstance(v, str) else "" for v in texts.tolist()]
    joined = "\0".join(values)
    if joined.count("\0") != len(values) - 1:  # a text holding NUL itself (not from a workbook)
        return pd.Series([_is_instruction(v) for v in values], index=texts.index, dtype=bool)
    hits = [False] * len(values)
    row, seen = 0, 0  # the text a hint falls in: the separators before it, counted as we go
    for m in _INSTRUCTION_HINT_RE.finditer(joined):
        row += joined.count("\0", seen, m.start())
        seen = m.start()
        if not hits[row]:
            hits[row] = _is_instruction(values[row])
    return pd.Series(hits, index=texts.index, dtype=bool)


_SPACES_RE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACES_RE.sub("", text)


def _short(text: Any, limit: int = 30) -> str:
    s = _squash(str(text)) if text is not None else ""
    return s if len(s) <= limit else s[:limit] + "…"


def _one_line(text: Any) -> str:
    return _squash(str(text)) if text is not None else ""


def validate(frames: dict[str, pd.DataFrame], codes: set[str] | None = None,
             tolerances: dict[str, float] | None = None, weights: dict[str, float] | None = None,
             profile: str = "national") -> list[Finding]:
    """Run the rule catalog over a batch of tidy frames. File-level rules (F001–F004) are
    produced by the checker, which sees the files; everything else is here. *weights* and
    *profile* are the configuration's (xlsxtool.config.Settings)."""
    return Validator(frames, set(RULES) if codes is None else codes, tolerances, weights, profile).run()
