"""The tidy frames' public schema (issue 16): pandera models anyone with such a frame can use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from xlsxtool.api import frames_of
from xlsxtool.normalize import FORM_COLUMNS, FUNDS_COLUMNS, GOAL_COLUMNS, INDICATOR_COLUMNS
from xlsxtool.schemas import MODELS, Forms, FramesError, Funds, Goals, Indicators, validate_frames

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    frames, _ = frames_of([SAMPLES])  # the workbooks and the Word report of seed 001
    return frames


def test_every_frame_of_the_samples_validates(frames: dict[str, pd.DataFrame]) -> None:
    typed = validate_frames(frames)
    assert set(typed) == {"forms", "funds", "indicators", "goals"}
    assert len(typed["forms"]) == 33
    ind = Indicators.validate(frames["indicators"])
    assert ind["weight"].dtype == float and ind["score_bad"].dtype == bool
    assert ind.loc[0, "score_cell"][0].isalpha()  # provenance: an A1 address


def test_the_models_declare_every_column_convert_writes() -> None:
    for model, columns in ((Forms, FORM_COLUMNS), (Funds, FUNDS_COLUMNS), (Indicators, INDICATOR_COLUMNS),
                           (Goals, GOAL_COLUMNS)):
        assert list(model.to_schema().columns) == columns
    # A batch in which nothing was found: empty frames validate too.
    for name, columns in (("forms", FORM_COLUMNS), ("indicators", INDICATOR_COLUMNS)):
        MODELS[name].validate(pd.DataFrame(columns=columns))


def test_a_frame_that_does_not_fit_is_named(frames: dict[str, pd.DataFrame]) -> None:
    ind = frames["indicators"].copy()
    ind.loc[0, "score_cell"] = "第三行"
    with pytest.raises(FramesError, match="indicators.score_cell"):
        validate_frames({**frames, "indicators": ind})
    orphan = frames["goals"].copy()
    orphan.loc[0, "form_id"] = 99
    with pytest.raises(FramesError, match="goals：1 个"):
        validate_frames({**frames, "goals": orphan})
    forms = frames["forms"].copy()
    forms.loc[0, "kind"] = "budget"
    with pytest.raises(FramesError, match="forms.kind"):
        validate_frames({**frames, "forms": forms})


def test_convert_writes_frames_that_fit_the_schema(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "xlsxtool", "convert", str(SAMPLES), "--to", "csv", "--out", str(tmp_path)],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    ind = pd.read_csv(tmp_path / "indicators.csv", encoding="utf-8-sig")
    assert list(ind.columns) == INDICATOR_COLUMNS
