"""Every notebook in nbs/ runs top to bottom, through the docs site build (nbdev's runner, outputs kept, one page each).
Without --flags slow the build is `instagan docs --fast` (slow cells left out, as before); with it, the full build runs
every cell as "Run All" does, on the CPU. `#| cuda` cells always run: without a GPU they print one line and move on."""
import os
from pathlib import Path
import pytest
from instagan.docs import build_docs, notebooks

NBS = notebooks(Path(__file__).parent.parent / "nbs")

@pytest.fixture(scope="session")
def site(request, tmp_path_factory, run_flags):
    "The site of the selected notebooks (all of them in a plain `pytest`), built once; INSTAGAN_SITE=DIR keeps it there."
    os.environ.setdefault("MPLBACKEND", "Agg")
    out = Path(os.environ.get("INSTAGAN_SITE") or tmp_path_factory.mktemp("site"))
    wanted = {it.callspec.params["nb"].stem for it in request.session.items
              if it.originalname == "test_notebook" and hasattr(it, "callspec")} or {p.stem for p in NBS}
    return out, build_docs(out, fast="slow" not in run_flags, only=sorted(wanted))

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb, site):
    out, summary = site
    r = summary["notebooks"][nb.stem]
    assert r["error"] is None, f"{nb.name} failed:\n{r['error']}"
    assert (out / r["page"]).stat().st_size > 1000
