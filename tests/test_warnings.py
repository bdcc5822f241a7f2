"Output a person can read: no FutureWarning (or any warning) from importing instagan or from `instagan --help`."
import os, subprocess, sys

ENV = {k: v for k, v in {**os.environ, "MPLBACKEND": "Agg"}.items() if k != "PYTHONWARNINGS"}  # the filters a user has
MODULES = ["core", "data", "models", "learner", "runs", "metrics", "masks", "widgets", "cli"]

def test_importing_instagan_prints_no_warning():
    code = "import instagan; " + "; ".join(f"import instagan.{m}" for m in MODULES)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Warning" not in p.stderr and "Warning" not in p.stdout, p.stderr[-2000:]

def test_help_prints_no_warning():
    p = subprocess.run([sys.executable, "-m", "instagan", "--help"], capture_output=True, text=True, timeout=300, env=ENV)
    assert p.returncode == 0 and "usage: instagan" in p.stdout, p.stderr[-2000:]
    assert p.stderr == "", p.stderr[-2000:]
