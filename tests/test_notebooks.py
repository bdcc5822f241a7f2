"""Every notebook in nbs/ runs top to bottom, through the docs site build (nbdev's runner, outputs kept, one page each).
Without --flags slow the build is `instagan docs --fast` (slow cells left out, as before); with it, the full build runs
every cell as "Run All" does, on the CPU. `#| cuda` cells always run: without a GPU they print one line and move on."""
from pathlib import Path
import pytest
from instagan.docs import notebooks

NBS = notebooks(Path(__file__).parent.parent / "nbs")

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb, site):  # `site`: tests/conftest.py
    out, summary = site
    r = summary["notebooks"][nb.stem]
    assert r["error"] is None, f"{nb.name} failed:\n{r['error']}"
    assert (out / r["page"]).stat().st_size > 1000
