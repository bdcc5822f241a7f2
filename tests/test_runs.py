"""A training run as a user meets it: the same command twice gives the same run, a run folder has one trainer and holds
nothing but the run, a broken run folder is named, a full disk is said plainly, and a time budget only guards."""
import errno, hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest

INSTAGAN = [sys.executable, "-m", "instagan"]
ENV = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "INSTAGAN_DEBUG": "", "PYTHONWARNINGS": "ignore"}

def run(*args, timeout=300):
    return subprocess.run([*INSTAGAN, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=ENV)

def digest(folder:Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*')) if p.is_file()}

def error_line(p, code:int, *culprits:str) -> str:
    "Exit `code`, the last stderr line is `instagan <command>: error: ...` naming every culprit, no traceback."
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode == code, (p.returncode, p.stderr[-1500:])
    assert 'Traceback' not in p.stderr and lines and ': error: ' in lines[-1], p.stderr[-1500:]
    for c in culprits: assert c in lines[-1], (c, lines[-1])
    return lines[-1]

@pytest.fixture(scope='module')
def data64(tmp_path_factory):
    "A small synthetic set at the quick preset's size (64x64)."
    out = tmp_path_factory.mktemp('data') / 'syn64'
    assert run('data', 'synthetic', '--out', out, '--n-train', 24, '--n-test', 4, '--size', 64).returncode == 0
    return out

@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp('runs') / 'smoke'
    p = run('train', '--preset', 'smoke', '--out', out)
    assert p.returncode == 0, p.stderr[-2000:]
    return out

def test_quick_preset_repeats_itself(tmp_path, data64):
    "The quick preset, shortened to 2 x 3 iterations: two runs with one seed write the same losses, metrics and weights."
    outs = [tmp_path / f'q{i}' for i in range(2)]
    for o in outs:
        p = run('train', '--data', data64, '--epochs', 2, '--iters', 3, '--seed', 5, '--out', o)
        assert p.returncode == 0, p.stderr[-2000:]
    assert (outs[0] / 'losses.csv').read_text() == (outs[1] / 'losses.csv').read_text()
    m0, m1 = (json.loads((o / 'metrics.json').read_text()) for o in outs)
    assert {k: v for k, v in m0.items() if isinstance(v, float)} == {k: v for k, v in m1.items() if isinstance(v, float)}
    assert (outs[0] / 'model.pth').read_bytes() == (outs[1] / 'model.pth').read_bytes()
    saved = json.loads((outs[0] / 'config.json').read_text())
    assert saved['preset'] == 'quick' and saved['flip_frames'] is True   # every random stream of the preset drawn

def test_time_budget_only_guards(tmp_path):
    "A budget too short stops training with a warning naming the iterations done; --resume (without one) trains the rest."
    out = tmp_path / 'short'
    p = run('train', '--preset', 'smoke', '--epochs', 3, '--time-budget', 1e-4, '--out', out)
    assert p.returncode == 0, p.stderr[-2000:]
    s = json.loads((out / 'summary.json').read_text())
    assert s['stopped_by_budget'] and s['iters_done'] < 9
    assert f"stopped training after {s['iters_done']} of 9 iterations" in p.stderr, p.stderr[-1000:]
    assert run('train', '--out', out, '--resume', '--time-budget', 0).returncode == 0
    assert json.loads((out / 'summary.json').read_text())['iters_done'] == 9

def test_two_trainers_one_folder(tmp_path):
    "A second process training into a folder in use is refused in one line; the first run's log keeps each iteration once."
    out = tmp_path / 'two'
    first = subprocess.Popen([*INSTAGAN, 'train', '--preset', 'smoke', '--epochs', '500', '--out', str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        t0 = time.time()
        while not (out / 'losses.csv').exists() and time.time() - t0 < 240: time.sleep(0.1)
        error_line(run('train', '--preset', 'smoke', '--epochs', 500, '--out', out), 1, str(out), 'in use')
        error_line(run('train', '--out', out, '--resume'), 1, 'in use')
        assert first.poll() is None, 'the first run ended before the second was refused: the test proves nothing'
    finally:
        first.send_signal(signal.SIGTERM); first.wait()
    iters = [int(l.split(',')[1]) for l in (out / 'losses.csv').read_text().splitlines()[1:] if l.count(',') > 3]
    assert iters == list(range(1, len(iters) + 1)), iters[:20]

def test_foreign_out_is_refused(tmp_path):
    out = tmp_path / 'mine'
    out.mkdir(); (out / 'notes.txt').write_text('my notes'); (out / 'config.json').write_text('{"mine": 1}')
    before = digest(out)
    error_line(run('train', '--preset', 'smoke', '--out', out, '--resume'), 1, 'config.json')
    out2 = tmp_path / 'plain'
    out2.mkdir(); (out2 / 'notes.txt').write_text('my notes')
    error_line(run('train', '--preset', 'smoke', '--out', out2), 1, str(out2), 'notes.txt')
    assert digest(out) == before and sorted(p.name for p in out2.iterdir()) == ['notes.txt']   # not even a lock file

@pytest.mark.parametrize('edit, culprit', [
    (lambda d: '{not json', 'is not valid JSON'),
    (lambda d: json.dumps({k: v for k, v in d.items() if k != 'ngf'}), 'lacks the run settings ngf'),
    (lambda d: json.dumps({**d, 'ngf': -8}), '--ngf must be at least 1'),
])
def test_broken_config_is_named(tmp_path, smoke, edit, culprit):
    "A corrupt, incomplete or impossible config.json: `train --resume` and `translate` name it and change nothing."
    bad = tmp_path / 'bad'
    bad.mkdir()
    for f in ('config.json', 'checkpoint.pth', 'model.pth'): (bad / f).write_bytes((smoke / f).read_bytes())
    (bad / 'config.json').write_text(edit(json.loads((smoke / 'config.json').read_text())))
    before = digest(bad)
    error_line(run('train', '--out', bad, '--resume'), 1, str(bad / 'config.json'), culprit)
    error_line(run('translate', '--run', bad, '--images', smoke / 'samples', '--out', tmp_path / 'tr'), 1, 'config.json', culprit)
    assert digest(bad) == before

def test_empty_weights_are_named(tmp_path, smoke):
    bad = tmp_path / 'empty'
    bad.mkdir()
    (bad / 'config.json').write_bytes((smoke / 'config.json').read_bytes()); (bad / 'model.pth').write_bytes(b'')
    error_line(run('translate', '--run', bad, '--images', smoke / 'samples', '--out', tmp_path / 'tr'), 1, 'model.pth', 'corrupt or truncated')

def test_full_disk_while_training(tmp_path):
    "A full disk at the first checkpoint: one line that says so and names the file, no traceback, no temporary file left."
    out = tmp_path / 'full'
    code = ("import errno, sys, torch\n"
            "def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')\n"
            "torch.save = full\n"
            "from instagan.cli import main\n"
            f"sys.argv = ['instagan', 'train', '--preset', 'smoke', '--out', {str(out)!r}]\n"
            "main()\n")
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300, env=ENV)
    line = error_line(p, 1, 'checkpoint.pth', 'disk is full')
    assert 'Exception occured' not in line and not list(out.glob('*.tmp'))
