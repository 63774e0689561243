"""What a rule is: one declaration holding everything about it (issue 16).

A rule's code, severity, title, Chinese message template, anchor, explanation and example (what
`xlsxtool rules CODE` and docs/rules.md show), the frame it runs on, its vectorised check and
how a failing row becomes the message's fields — in one `Rule(...)`, in the module of its
family (xlsxtool/rules/f_file.py … n_narrative.py). A bureau's own rules are declared the same
way (xlsxtool.rules.local).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .frames import Frame

# A check: the frame in, a boolean Series over its rows out, True where the rule fires.
Check = Callable[["Frame"], "pd.Series"]
# A render: one failing row (read like a dict) and the frame in; out: `cell` (the anchor),
# `expected`, `actual` and every field the message template names.
Render = Callable[[Mapping[str, Any], "Frame"], dict[str, Any]]

SEVERITIES = ("error", "warning")

# The tidy frames a check may run on, in the order a batch is validated (xlsxtool.rules.frames).
FRAMES = ("indicators", "funds", "funds_cells", "form_totals", "funds_sums", "level1", "forms", "goals",
          "answers", "indicator_texts", "cross")


class RuleError(ValueError):
    """A rule declared wrongly (a local rule file most often): the message says what, in Chinese."""


@dataclass(frozen=True)
class Variant:
    """One check of a rule. Most rules have one; a rule that looks at several columns or frames
    (V501 on every numeric cell, C308 on every answer text) has one per column or frame."""

    name: str  # '' for a rule's only check; else unique within the rule ('score', 'weight')
    frame: str
    check: Check
    render: Render


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # 'error' | 'warning'
    title: str  # short name shown in tables
    message: str  # template; its fields come from the render
    anchor: str  # which cell the finding points to
    explanation: str
    example: str
    params: dict[str, float] = field(default_factory=dict)
    # How it runs: `frame` + `check` + `render` for one check, or `variants` for several.
    # None of them for rules produced outside the frames (F001–F004 and F006/F007 by the reader,
    # N7xx by xlsxtool.narrative): they are listed here and raised there.
    frame: str | None = None
    check: Check | None = field(default=None, repr=False, compare=False)
    render: Render | None = field(default=None, repr=False, compare=False)
    variants: tuple[Variant, ...] = field(default=(), repr=False, compare=False)
    # The fields the message template uses, each with what it stands for (`xlsxtool rules CODE`
    # shows '得分〈得分〉超过分值〈分值〉'): declared, and checked against the template.
    fields: Mapping[str, str] = field(default_factory=dict)
    origin: str = "xlsxtool"  # 'xlsxtool', or where a local rule was declared

    def __post_init__(self) -> None:
        if self.check is not None or self.render is not None:
            if self.frame is None or self.check is None or self.render is None:
                raise RuleError(f"规则 {self.code}：frame、check、render 须一起给出（或只给 variants）")
            derived = (Variant("", self.frame, self.check, self.render),)
            if self.variants and self.variants != derived:
                raise RuleError(f"规则 {self.code}：frame/check/render 与 variants 只能给一种")
            object.__setattr__(self, "variants", derived)
        if not isinstance(self.variants, tuple) or not all(isinstance(v, Variant) for v in self.variants):
            raise RuleError(f"规则 {self.code}：variants 应为 Variant(...) 的元组")
        if self.severity not in SEVERITIES:
            raise RuleError(f"规则 {self.code}：severity 应为 error 或 warning，而不是“{self.severity}”")
        for v in self.variants:
            if v.frame not in FRAMES:
                raise RuleError(f"规则 {self.code}：未知的 frame“{v.frame}”（可用：{'、'.join(FRAMES)}）")
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise RuleError(f"规则 {self.code}：variants 的 name 重复")
        used = template_fields(self.message)
        if set(self.fields) != used:
            raise RuleError(f"规则 {self.code}：fields {sorted(self.fields)} 与消息模板中的字段 {sorted(used)} 不一致")

    @property
    def group(self) -> str:
        return self.code[0]

    @property
    def frames(self) -> tuple[str, ...]:
        """The frames its checks run on, in order (none for rules raised outside the frames)."""
        return tuple(dict.fromkeys(v.frame for v in self.variants))

    @property
    def local(self) -> bool:
        return self.origin != "xlsxtool"


def template_fields(message: str) -> set[str]:
    """The named fields of a message template ('{score} 超过 {weight}' → {'score', 'weight'})."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(message) if name}
