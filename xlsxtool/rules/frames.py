"""The frames rules run on: a batch's tidy frames (xlsxtool.schemas) and the views of them
several rules share, each computed once per batch and only when an enabled rule asks for it.

A rule names its frame (`Rule(frame="indicators", …)`); its check gets the `Frame` object and
reads `f.df` (the rows) and the shared views below (`f.scored_form`, `f.national`, …). These
views are the gates that keep the rules precise on real tables: a rule fires only on columns
the form has, only on scored forms, never on breakdown rows, never across another framework.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pandas as pd

from ..labels import STANDARD_WEIGHTS, TAXONOMY, other_framework
from ..values import parse_date
from .helpers import differs, each

_KEY = ["file", "form_id"]


class Batch:
    """The tidy frames of one batch of workbooks and the settings they are checked with."""

    def __init__(self, frames: dict[str, pd.DataFrame], tolerances: dict[str, float], weights: dict[str, float] | None,
                 profile: str) -> None:
        from . import TOLERANCES

        self.forms = frames["forms"].reset_index(drop=True)
        self.funds = frames["funds"].reset_index(drop=True)
        self.indicators = frames["indicators"].reset_index(drop=True)
        self.goals = frames["goals"].reset_index(drop=True)
        answers = frames.get("answers")
        self.answers = answers.reset_index(drop=True) if answers is not None else pd.DataFrame(columns=["file", "form_id", "sheet", "cell", "text"])
        self.tol = {**TOLERANCES, **(tolerances or {})}
        # The standard split (S208), funds weight (B106) and total (S204): configurable (SPEC §7).
        self.weights = {**STANDARD_WEIGHTS, "funds": 10.0, "total": 100.0, **(weights or {})}
        self.standard = {k: v for k, v in self.weights.items() if k in STANDARD_WEIGHTS}
        self.profile = profile

    @cached_property
    def national(self) -> pd.Series:
        """Per indicator row: whether its form uses the national framework."""
        # profile 'none': no form is held to the national framework (no T401/T402/S208).
        return (_national(self.indicators) if self.profile == "national"
                else pd.Series(False, index=self.indicators.index))


class Frame:
    """One frame of a batch as a rule sees it. `df` is None when there is nothing to check."""

    name = ""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.tol = batch.tol  # {'money', 'rate', 'score'}
        self.weights = batch.weights  # the configured weights (funds, total, 产出…)
        self.standard = batch.standard  # the standard 一级 split

    @cached_property
    def df(self) -> pd.DataFrame | None:
        return None


class IndicatorRows(Frame):
    """One row per 三级指标 (the `indicators` frame)."""

    name = "indicators"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        ind = self.batch.indicators
        return None if ind.empty else ind

    @cached_property
    def w(self) -> pd.Series:
        return self.batch.indicators["weight"].astype(float)

    @cached_property
    def s(self) -> pd.Series:
        return self.batch.indicators["score"].astype(float)

    @cached_property
    def scored(self) -> pd.Series:
        """The row has a 分值 or a 得分."""
        return self.w.notna() | self.s.notna()

    @cached_property
    def quantitative(self) -> pd.Series:
        """Target and actual both numbers of the same unit: they can be compared."""
        df = self.batch.indicators
        return (df["target_value"].notna() & df["actual_value"].notna() & ~df["target_qualitative"].astype(bool)
                & ~df["actual_qualitative"].astype(bool) & (df["target_unit"].fillna("") == df["actual_unit"].fillna("")))

    @cached_property
    def met(self) -> pd.Series:
        """The actual value reaches the target (by its operator)."""
        return _target_met(self.batch.indicators)

    @property
    def national(self) -> pd.Series:
        return self.batch.national

    @cached_property
    def scored_form(self) -> pd.Series:
        """Rows of forms that are scored (a 得分 column, or 分值 with actual values): a target
        table's weights ask for no score, actual or reason (no S203/S212/C301–C303 there)."""
        df, forms = self.batch.indicators, self.batch.forms
        scored_forms = {k for k, sc in zip(zip(forms["file"].tolist(), forms["form_id"].tolist(), strict=True),
                                            forms["scoring"].tolist(), strict=True) if sc == "scored"}
        return pd.Series([k in scored_forms for k in zip(df["file"].tolist(), df["form_id"].tolist(), strict=True)],
                         index=df.index, dtype=bool)

    @cached_property
    def breakdown(self) -> pd.Series:
        """Unscored rows that break down the scored indicator above them (no S212)."""
        return _breakdown_rows(self.batch.indicators)

    def blank(self, col: str) -> pd.Series:
        return self.batch.indicators[col].isna()


class FundsRows(Frame):
    """The money rows of each form's funds block: 年度资金总额 and its source rows."""

    name = "funds"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        funds = self.batch.funds
        if funds.empty:
            return None
        money = funds[funds["section"].isin(["total", "source"]) & (funds["block"] == 0)]
        return None if money.empty else money

    def _col(self, name: str) -> pd.Series:
        assert self.df is not None
        return self.df[name].astype(float)

    @cached_property
    def budget(self) -> pd.Series:
        return self._col("budget")

    @cached_property
    def spent(self) -> pd.Series:
        return self._col("spent")

    @cached_property
    def rate(self) -> pd.Series:
        return self._col("rate")

    @cached_property
    def weight(self) -> pd.Series:
        return self._col("weight")

    @cached_property
    def score(self) -> pd.Series:
        return self._col("score")

    @cached_property
    def initial(self) -> pd.Series:
        return self._col("budget_initial")

    @cached_property
    def has_rate(self) -> pd.Series:
        return (self.budget > 0) & self.spent.notna()

    @cached_property
    def computed(self) -> pd.Series:
        """全年执行数 ÷ 全年预算数 where a rate can be computed."""
        return (self.spent / self.budget).where(self.has_rate)

    @cached_property
    def used_rate(self) -> pd.Series:
        # B102 uses the true rate where it can be computed, else the declared one.
        return self.computed.fillna(self.rate).clip(upper=1.0)

    @cached_property
    def expected_score(self) -> pd.Series:
        return (self.used_rate * self.weight).round(6)

    @cached_property
    def is_total(self) -> pd.Series:
        assert self.df is not None
        return self.df["section"] == "total"


class FundsCells(Frame):
    """Every funds row (amount text in department cells included): V501 over each numeric field."""

    name = "funds_cells"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        return None if self.batch.funds.empty else self.batch.funds


class FormTotals(Frame):
    """One row per form with its sums: funds + indicator 分值/得分 against the declared 合计."""

    name = "form_totals"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        forms = self.batch.forms
        if forms.empty:
            return None
        ind = self.batch.indicators
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
        funds = self.batch.funds
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
        return agg.assign(_sum_w=sum_w, _sum_s=sum_s, _fw=fw, _fs=fs, _iw=iw, _is=isc)

    @cached_property
    def wrong_total(self) -> pd.Series:
        """The form's 分值 do not add up to the total (100, or 90 where the funds' 10 are implied)."""
        agg = self.df
        assert agg is not None
        tol, sum_w = self.tol["score"], agg["_sum_w"]
        # A funds block without a 分值 column leaves its 10 points implied (绩效指标(90分)):
        # the indicators then add up to 90 or to 100.
        implied_funds = (agg["has_funds"].astype(bool) & ~agg["funds_has_weight"].astype(bool)
                         & agg["funds_weight"].isna())
        total, funds_standard = self.weights["total"], self.weights["funds"]
        off_100 = differs(sum_w, pd.Series(total, index=agg.index), tol)
        off_90 = differs(sum_w, pd.Series(total - funds_standard, index=agg.index), tol)
        return off_100 & ~(implied_funds & ~off_90)

    @cached_property
    def has_scores(self) -> pd.Series:
        agg = self.df
        assert agg is not None
        return (agg["ind_score"].notna() | agg["funds_score"].notna()).astype(bool)

    @cached_property
    def filled(self) -> pd.Series:
        """Per form: 1 where at least one indicator row is filled in (a 三级指标 with a target,
        a 分值 or a 得分), else 0."""
        agg, ind = self.df, self.batch.indicators
        assert agg is not None
        if ind.empty:
            return pd.Series(0, index=agg.index)
        filled = (ind["weight"].notna() | ind["score"].notna()
                  | (ind["name"].notna() & (ind["target"].notna() | ind["actual"].notna())))
        with_filled = ind.loc[filled, _KEY].drop_duplicates()
        forms = set(zip(with_filled["file"].tolist(), with_filled["form_id"].tolist(), strict=True))
        return pd.Series([int(k in forms) for k in zip(agg["file"].tolist(), agg["form_id"].tolist(), strict=True)],
                         index=agg.index)


class FundsSums(Frame):
    """One row per sum to check in a funds block: a column's total against its sources (kind
    B104), a department's total against 基本支出 + 项目支出 (X601) or its income split (X602)."""

    name = "funds_sums"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        funds = self.batch.funds
        if funds.empty or self.batch.forms.empty:
            return None
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
        if not rows:
            return None
        df = pd.DataFrame(rows)
        for col in ("basic", "project", "parts"):
            if col not in df:
                df[col] = None
        return df

    @cached_property
    def differs(self) -> pd.Series:
        """The total differs from the sum of its parts (or is empty while they are not)."""
        df = self.df
        assert df is not None
        return differs(df["total"], df["sum"], self.tol["money"]) | (df["total"].isna() & df["sum"].notna())


class Level1Groups(Frame):
    """One row per 一级指标 group of a form: its declared weight and the sum of its 分值."""

    name = "level1"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        ind = self.batch.indicators
        if ind.empty:
            return None
        # Weights declared in labels only ('相关性(5分)', no 分值 column): nothing to add up.
        grouped = ind[ind["level1_cell"].notna()].assign(national=self.batch.national, weighted=ind["weight_cell"].notna()).groupby(
            ["file", "form_id", "level1_cell"], sort=False)
        groups = grouped.agg(sheet=("sheet", "first"), level1=("level1", "first"), level1_key=("level1_key", "first"),
                             declared=("level1_weight", "first"), national=("national", "first"),
                             weight_bad=("weight_bad", "any"), weighted=("weighted", "any"))
        groups["sum"] = grouped["weight"].sum(min_count=1)
        groups = groups.reset_index()
        # A block label declaring its own total ('绩效指标(90分)', Sichuan) means a free split: no S208.
        forms = self.batch.forms
        free_split = forms[_KEY].assign(free_split=forms["indicators_weight_declared"].notna())
        groups = groups.merge(free_split, on=_KEY, how="left")
        groups["free_split"] = groups["free_split"].fillna(False).astype(bool)
        return groups

    @cached_property
    def declared(self) -> pd.Series:
        assert self.df is not None
        return self.df["declared"].astype(float)

    @cached_property
    def weight(self) -> pd.Series:
        """The group's weight: as declared in its label, else the sum of its 分值."""
        assert self.df is not None
        return self.declared.fillna(self.df["sum"].astype(float))


class Forms(Frame):
    """One row per form (the `forms` frame): header, footer, dates, phones."""

    name = "forms"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        return None if self.batch.forms.empty else self.batch.forms

    @cached_property
    def dates(self) -> pd.Series:
        forms = self.batch.forms
        return each(forms["fill_date"], lambda v: parse_date(v) if isinstance(v, str) else None)

    @cached_property
    def date_year(self) -> pd.Series:
        return each(self.dates, lambda d: d.year if d is not None else None).astype(float)


class Goals(Frame):
    """One row per 年度总体目标 (预期目标 / 实际完成情况)."""

    name = "goals"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        return None if self.batch.goals.empty else self.batch.goals

    @cached_property
    def actual_due(self) -> pd.Series:
        """Per goal row: whether its form asks for results at all. A form whose indicator rows have
        no 实际完成值 column (a 绩效目标申报表) states targets only; its 完成情况 is not yet due."""
        goals, ind = self.df, self.batch.indicators
        if goals is None or ind.empty:
            return pd.Series(True, index=goals.index if goals is not None else None, dtype=bool)
        has_actual = ind.assign(_a=ind["actual_cell"].notna()).groupby(_KEY)["_a"].any()
        keys = pd.MultiIndex.from_frame(goals[_KEY])
        return pd.Series(has_actual.reindex(keys).fillna(True).to_numpy(dtype=bool), index=goals.index)


class Answers(Frame):
    """Other answer cells of the forms (text a clerk typed in)."""

    name = "answers"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        # Checked only in a batch that has goals: kept so since the rules were first written,
        # and findings must not change with the refactor (issue 16).
        if self.batch.goals.empty or self.batch.answers.empty:
            return None
        return self.batch.answers


class IndicatorTexts(IndicatorRows):
    """The indicator rows again, for the rules on their texts (checked after the goals, and like
    the answers only in a batch that has goals)."""

    name = "indicator_texts"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        if self.batch.goals.empty or self.batch.indicators.empty:
            return None
        return self.batch.indicators


class CrossForms(Frame):
    """Per department form with a 项目支出 amount: the sum of its workbook's project forms'
    全年预算数 (X603)."""

    name = "cross"

    @cached_property
    def df(self) -> pd.DataFrame | None:
        funds, forms = self.batch.funds, self.batch.forms
        if funds.empty:
            return None
        dept_forms = forms[forms["kind"] == "department"]
        if dept_forms.empty:
            return None
        project_ids = forms[forms["kind"] == "project"][_KEY]
        totals = funds[(funds["section"] == "total")].merge(project_ids, on=_KEY)
        project_budget = totals.groupby("file")["budget"].sum(min_count=1)
        expense = funds[(funds["section"] == "expense") & funds["source"].str.contains("项目支出", na=False)]
        items = expense.merge(dept_forms[_KEY], on=_KEY).drop_duplicates(_KEY)
        items = items[items["amount"].notna() & items["file"].isin(project_budget.index)]
        if items.empty:
            return None
        return pd.DataFrame({"file": items["file"], "form_id": items["form_id"], "sheet": items["sheet"],
                             "cell": items["amount_cell"], "project": items["amount"].astype(float),
                             "sum": items["file"].map(project_budget).astype(float)}).reset_index(drop=True)


# In the order a batch is validated (base.FRAMES names them in this order).
FRAME_CLASSES: tuple[type[Frame], ...] = (IndicatorRows, FundsRows, FundsCells, FormTotals, FundsSums, Level1Groups, Forms,
                                          Goals, Answers, IndicatorTexts, CrossForms)


# ---------------------------------------------------------------- shared computations
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


def _target_met(df: pd.DataFrame) -> pd.Series:
    t, a = df["target_value"].astype(float), df["actual_value"].astype(float)
    op = df["target_op"].fillna("≥")
    met = pd.Series(False, index=df.index)
    met = met.mask(op.isin(["≥", "="]), a >= t - 1e-9)
    met = met.mask(op == ">", a > t + 1e-9)
    met = met.mask(op == "≤", a <= t + 1e-9)
    met = met.mask(op == "<", a < t - 1e-9)
    return met.fillna(False).astype(bool)


__all__ = ["FRAME_CLASSES", "Batch", "Frame"]
