import os, pytest
from pathlib import Path

def pytest_addoption(parser):
    parser.addoption("--flags", default=os.environ.get("INSTAGAN_TEST_FLAGS", ""),
                     help="test flags, space separated: 'slow' (long cells and tests), 'cuda' (GPU tests), 'browser' (real-browser tests)")

@pytest.fixture(scope="session")
def run_flags(request):
    return request.config.getoption("--flags").split()

def pytest_collection_modifyitems(config, items):
    flags = config.getoption("--flags").split()
    for item in items:
        for flag in ("slow", "cuda", "browser"):
            if flag in item.keywords and flag not in flags:
                item.add_marker(pytest.mark.skip(reason=f"needs --flags {flag}"))

def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~30 s; run with --flags slow")
    config.addinivalue_line("markers", "cuda: needs a GPU; run with --flags cuda")
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright; run with --flags browser")

@pytest.fixture(scope="session")
def site(request, tmp_path_factory, run_flags):
    "The site of the selected notebooks (all of them in a plain `pytest`), built once; INSTAGAN_SITE=DIR keeps it there."
    from instagan.docs import build_docs, notebooks
    os.environ.setdefault("MPLBACKEND", "Agg")
    out = Path(os.environ.get("INSTAGAN_SITE") or tmp_path_factory.mktemp("site"))
    wanted = {it.callspec.params["nb"].stem for it in request.session.items
              if it.originalname == "test_notebook" and hasattr(it, "callspec")} or {p.stem for p in notebooks(Path(__file__).parent.parent / "nbs")}
    return out, build_docs(out, fast="slow" not in run_flags, only=sorted(wanted))

