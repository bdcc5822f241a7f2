"README.md is the markdown of nbs/index.ipynb (nbdev-readme needs Quarto); `python tests/test_readme.py` rewrites it."
import json, re
from pathlib import Path

ROOT = Path(__file__).parent.parent

def readme_from_index() -> str:
    "The markdown of nbs/index.ipynb, its images and notebook links pointed into nbs/ (README.md sits one folder up)."
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    md = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown") + "\n"
    return re.sub(r"\]\((?!https?:|/|#|nbs/)([^)]+\.(?:png|ipynb))\)", r"](nbs/\1)", md)

def test_readme_matches_index():
    assert (ROOT / "README.md").read_text() == readme_from_index(), "README.md is stale: run python tests/test_readme.py"

def test_readme_names_the_test_command():
    text = (ROOT / "README.md").read_text()
    assert 'pip install -e ".[dev]" && pytest' in text and 'pip install -e ".[dev]" && instagan train' in text
    assert "pytest" in (ROOT / ".ci" / "run").read_text()

if __name__ == "__main__":
    (ROOT / "README.md").write_text(readme_from_index())
