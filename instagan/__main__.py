"""`python -m instagan <command>`: the `instagan` command through the interpreter that runs it.

Tests, notebooks and launchers start the package this way, so they work from a virtual environment that was never
activated. Not exported: nbdev leaves this file as it is, like `__init__.py`; the entry point is `instagan.cli.main`
(notebook 15)."""
from instagan.cli import main

if __name__ == '__main__': main()
