"Every notebook in nbs/ runs top to bottom through nbdev's own runner; cells flagged slow or cuda are skipped unless --flags names them."
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_notebook

NBS = sorted((Path(__file__).parent.parent / "nbs").glob("*.ipynb"))

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb, run_flags):
    os.environ.setdefault("MPLBACKEND", "Agg")
    skip = [f for f in ("slow", "cuda") if f not in run_flags]
    ok, secs = run_notebook(nb, skip_flags=skip, force_flags=run_flags, showerr=True)
    assert ok, f"{nb.name} failed (see the traceback above)"
