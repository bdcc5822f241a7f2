"`python -m instagan <command>`: the `instagan` command through the interpreter that runs it, so tests, notebooks and launchers work from a venv that is not activated. Not exported (nbdev leaves it as it is, like `__init__.py`); the entry point is `instagan.cli.main` (notebook 15)."
from instagan.cli import main

if __name__ == '__main__': main()
