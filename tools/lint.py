"""Lint the exported module with ruff (pyproject.toml: unused imports, undefined names and the rest of pyflakes; lines
over 120 characters), except the one line nbdev writes itself: the first line of `__all__`, which nbdev wraps at 120
characters before it prefixes `__all__ = `. Exit 1 on any other finding. Usage: python tools/lint.py [paths...]"""
import json, subprocess, sys
from pathlib import Path

def findings(paths:list) -> list:
    "ruff's findings on `paths`, without E501 on nbdev's generated `__all__ = ` line."
    cmd = [sys.executable, '-m', 'ruff', 'check', '--output-format', 'json', *paths]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1): sys.exit(f"ruff failed: {p.stderr.strip()}")
    out = []
    for f in json.loads(p.stdout or '[]'):
        line = Path(f['filename']).read_text().splitlines()[f['location']['row'] - 1]
        if f['code'] == 'E501' and line.startswith('__all__ = '): continue
        out.append(f)
    return out

if __name__ == '__main__':
    found = findings(sys.argv[1:] or ['instagan'])
    for f in found: print(f"{f['filename']}:{f['location']['row']}:{f['location']['column']}: {f['code']} {f['message']}")
    print(f"lint: {len(found)} finding(s)" if found else "lint: no findings (ruff, nbdev's __all__ line aside)")
    sys.exit(1 if found else 0)
