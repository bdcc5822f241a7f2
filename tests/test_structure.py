"The package's shape: imports run one way (no cycle, counting imports inside functions), modules stay readable in size."
import ast, json, subprocess, sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / 'instagan'
MAX_LINES = 400
# modules still over the limit, with the size they may not grow past (issue 13 left them to split)
OVERSIZE = {}


def module_imports(path: Path, names: set) -> set:
    "The package modules that `path` imports anywhere (top level or inside functions), or names as 'instagan.<module>' strings."
    deps = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1: parts = [mod.split('.')[0]] if mod else [a.name for a in node.names]
            elif mod == 'instagan': parts = [a.name for a in node.names]
            elif mod.startswith('instagan.'): parts = [mod.split('.')[1]]
            else: continue
            deps |= set(parts) & names
        elif isinstance(node, ast.Import):
            deps |= {a.name.split('.')[1] for a in node.names if a.name.startswith('instagan.') and a.name.split('.')[1] in names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith('instagan.'):
            if node.value.split('.')[1] in names: deps.add(node.value.split('.')[1])  # cli's command table imports by name
    return deps - {path.stem}


def import_graph() -> dict:
    mods = {p.stem: p for p in PKG.glob('*.py') if p.stem not in ('__init__', '_modidx')}
    return {m: module_imports(p, set(mods)) for m, p in mods.items()}


def find_cycle(graph: dict):
    "One import cycle as a list of modules, or None."
    state = {}
    def visit(u, path):
        state[u] = 'open'
        for v in sorted(graph[u]):
            if state.get(v) == 'open': return path[path.index(v):] + [v]
            if v not in state and (c := visit(v, path + [v])): return c
        state[u] = 'done'
    for m in sorted(graph):
        if m not in state and (c := visit(m, [m])): return c


def test_finds_a_cycle():
    assert find_cycle({'a': {'b'}, 'b': {'a'}}) == ['a', 'b', 'a']
    assert find_cycle({'a': {'b'}, 'b': set()}) is None


def test_no_import_cycle():
    graph = import_graph()
    assert {'core', 'metrics', 'runs', 'learner', 'train_step'} <= set(graph), sorted(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_metrics_does_not_import_the_trainer():
    out = subprocess.run([sys.executable, '-c', "import sys, instagan.metrics; print(sorted(m for m in sys.modules if m.startswith('instagan')))"],
                         capture_output=True, text=True, cwd=PKG.parent, check=True).stdout
    assert 'instagan.metrics' in out and 'instagan.runs' not in out and 'instagan.learner' not in out, out


def test_module_sizes():
    sizes = {p.stem: len(p.read_text().splitlines()) for p in PKG.glob('*.py') if p.stem != '_modidx'}
    over = {m: n for m, n in sizes.items() if n > OVERSIZE.get(m, MAX_LINES)}
    assert not over, f"modules over {MAX_LINES} lines (split them by job): {over}"


MAX_CELL = 40  # a code cell a student reads at once: one concept (the house rules)


def test_code_cells_stay_readable():
    "No notebook code cell over MAX_CELL lines, lessons and lab notes alike."
    nbs = PKG.parent / 'nbs'
    over = {}
    for nb in sorted(nbs.rglob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            n = len(''.join(c['source']).splitlines())
            if c['cell_type'] == 'code' and n > MAX_CELL: over[f'{nb.relative_to(nbs)}[{i}]'] = n
    assert not over, f"code cells over {MAX_CELL} lines (split them, one concept a cell): {over}"


def test_public_names_are_unique():
    "Every name a module exports (`__all__`) is exported by no other module, so `from instagan.x import name` is unambiguous."
    seen = {}
    for p in sorted(PKG.glob('*.py')):
        tree = ast.parse(p.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
                for name in ast.literal_eval(node.value): seen.setdefault(name, []).append(p.stem)
    dup = {n: ms for n, ms in seen.items() if len(ms) > 1}
    assert len(seen) > 100 and not dup, dup
