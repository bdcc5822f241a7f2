"""The lab notes (`nbs/lab/`) on the docs site: each builds into its page under the navigation's "Lab notes" heading,
and every relative link of a lesson or lab note to a notebook or markdown file names a file that exists, so the page
that `instagan docs` makes of it exists too."""
import re
from pathlib import Path
from instagan.docs import build_docs, lab_notes, notebooks, page_name, read_source

NBS = Path(__file__).parent.parent / "nbs"


def test_lab_pages_build(tmp_path):
    "The lab notes alone (markdown, or code that reads stored files: seconds), each page listed under 'Lab notes'."
    labs = [page_name(p, NBS) for p in lab_notes(NBS)]
    summary = build_docs(tmp_path, fast=True, nbs=NBS, only=labs, log=lambda *a: None)
    for name in labs:
        r = summary["notebooks"][name]
        assert r["error"] is None, f"{name} failed:\n{r['error']}"
        page = (tmp_path / r["page"]).read_text()
        nav = page[page.index('id="ig-nav"'):page.index("</nav>")]
        assert nav.index("<h4>Lab notes</h4>") < nav.index(" class=here>"), f"{name}: not under the Lab notes heading"


def test_relative_links_resolve():
    "A relative link `[...](x.ipynb)` or `[...](x.md)` in a markdown cell (not in code) names a file that exists."
    broken = []
    for p in notebooks(NBS) + lab_notes(NBS):
        for c in read_source(p)["cells"]:
            if c["cell_type"] != "markdown": continue
            text = re.sub(r"```.*?```|`[^`]*`", "", "".join(c["source"]), flags=re.S)   # code is no link
            for target in re.findall(r"\]\(([^)\s#]+\.(?:ipynb|md))(?:#[^)\s]*)?\)", text):
                if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) and not (p.parent / target).exists():
                    broken.append(f"{page_name(p, NBS)}: {target}")
    assert not broken, f"links to files that do not exist: {broken}"
