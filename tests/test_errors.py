"""Expected failures of every kind, as a person meets them on the command line: one line on stderr naming the culprit,
exit status 2 for options and 1 for the rest, no traceback, and the input files left as they were."""
import errno, hashlib, json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image

ENV = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "INSTAGAN_DEBUG": ""}
INSTAGAN = shutil.which("instagan") or "instagan"

def run(*args, env=None):
    return subprocess.run([INSTAGAN, *map(str, args)], capture_output=True, text=True, timeout=300, env={**ENV, **(env or {})})

def digest(folder:Path) -> dict:
    "Every file under `folder` with its hash: to check that a failing command changed none of its inputs."
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*')) if p.is_file()}

def assert_error(p, code:int, *culprits:str):
    "Exit status `code`, the last stderr line is `instagan <command>: error: ...` naming every culprit, and no traceback."
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode == code, (p.returncode, p.stderr[-1500:])
    assert 'Traceback' not in p.stderr, p.stderr[-1500:]
    assert lines and ': error: ' in lines[-1] and lines[-1].startswith('instagan'), p.stderr[-1500:]
    for c in culprits: assert c in lines[-1], (c, lines[-1])
    return lines[-1]

@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
    "A finished smoke run (trained once for the module)."
    out = tmp_path_factory.mktemp('runs') / 'smoke'
    p = run('train', '--preset', 'smoke', '--out', out)
    assert p.returncode == 0, p.stderr[-2000:]
    return out

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "A small synthetic data set in the folder layout."
    out = tmp_path_factory.mktemp('data') / 'syn'
    assert run('data', 'synthetic', '--out', out, '--n-train', 6, '--n-test', 2, '--size', 32).returncode == 0
    return out

BAD_OPTIONS = [
    (['--bs', '0'], '--bs must be at least 1'), (['--bs', '-2'], '--bs must be at least 1'),
    (['--epochs', '0'], '--epochs must be at least 1'), (['--epochs', '-1'], '--epochs must be at least 1'),
    (['--iters', '0'], '--iters must be at least 1'), (['--ins-per', '0'], '--ins-per must be at least 1'),
    (['--size', '30'], 'multiples of 4'), (['--size', '4'], 'at least 8'),
    (['--lr=-1e-4'], '--lr must be a positive finite number'), (['--lr', '0'], '--lr must be a positive finite number'), (['--lr-d', 'nan'], '--lr-d must be a positive finite number'),
    (['--epoch', '3'], 'unrecognized arguments: --epoch 3'), (['--model', 'pix2pix'], 'instagan, cyclegan, cyclegan_seg'),
    (['--resume'], '--resume needs --out'), (['--one-step', '--sequential'], '--one-step and --sequential contradict'),
]

_MANY = r"""
import contextlib, io, json, sys, traceback
from instagan.cli import main
res = []
for argv in json.loads(sys.argv[1]):
    err, sys.argv, rc = io.StringIO(), ['instagan', *argv], 0
    with contextlib.redirect_stderr(err):
        try: main()
        except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
        except BaseException: rc = 1; traceback.print_exc()
    res.append([rc, err.getvalue()])
print(json.dumps(res))
"""

def run_many(argvs:list) -> list:
    "Each command line of `argvs` through the console entry point `instagan.cli.main`, in one fresh process (the imports, most of a refused command's seconds, paid once)."
    p = subprocess.run([sys.executable, '-c', _MANY, json.dumps([list(map(str, a)) for a in argvs])], capture_output=True, text=True, timeout=300, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    return [subprocess.CompletedProcess(a, rc, '', err) for a, (rc, err) in zip(argvs, json.loads(p.stdout.strip().splitlines()[-1]))]

@pytest.fixture(scope='module')
def refused(tmp_path_factory):
    "Every BAD_OPTIONS command line, run once (its --out under a fresh folder each), with the folder it must leave untouched."
    tmp = tmp_path_factory.mktemp('refused')
    argvs = [['train', '--preset', 'smoke', '--out', tmp / str(i), *args] if args != ['--resume'] else ['train', '--resume']
             for i, (args, _) in enumerate(BAD_OPTIONS)]
    return tmp, run_many(argvs)

@pytest.mark.parametrize('i', range(len(BAD_OPTIONS)), ids=[' '.join(a) for a, _ in BAD_OPTIONS])
def test_bad_options_are_usage_errors(refused, i):
    tmp, results = refused
    assert_error(results[i], 2, BAD_OPTIONS[i][1])
    assert not (tmp / str(i)).exists(), 'a refused command started work'

def test_unknown_command_and_debug(tmp_path):
    assert_error(run('trian'), 2, "unknown command 'trian'")
    p = run('train', '--data', tmp_path / 'nowhere', '--out', tmp_path / 'r', '--preset', 'smoke')
    assert_error(p, 1, 'nowhere', 'does not exist')
    p = run('train', '--data', tmp_path / 'nowhere', '--out', tmp_path / 'r2', '--preset', 'smoke', '--debug')
    assert p.returncode != 0 and 'Traceback' in p.stderr
    p = run('train', '--data', tmp_path / 'nowhere', '--out', tmp_path / 'r3', '--preset', 'smoke', env={'INSTAGAN_DEBUG': '1'})
    assert p.returncode != 0 and 'Traceback' in p.stderr

def test_bad_data_found_before_training(tmp_path, data):
    bad = tmp_path / 'bad'; shutil.copytree(data, bad)
    first = sorted((bad / 'trainA').iterdir())[0]
    first.write_bytes(first.read_bytes()[:60])                                   # a truncated image
    mask = sorted((bad / 'trainB_seg').iterdir())[0]
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(mask)                       # a mask of the wrong size
    before = digest(bad)
    p = run('train', '--preset', 'smoke', '--data', bad, '--out', tmp_path / 'r')
    assert_error(p, 1, 'problem(s) in the data', first.name, 'instagan data check')
    assert not (tmp_path / 'r' / 'checkpoint.pth').exists()
    p = run('data', 'check', bad)
    assert_error(p, 1, '2 problem(s)', first.name)
    assert mask.name in p.stdout and 'is 5x5 but its image is 32x32' in p.stdout
    assert digest(bad) == before
    ok = run('data', 'check', data)
    assert ok.returncode == 0 and ': ok' in ok.stdout

def test_existing_run_and_resume_errors(tmp_path, smoke_run):
    before = digest(smoke_run)
    assert_error(run('train', '--preset', 'smoke', '--out', smoke_run), 1, str(smoke_run), '--resume')
    assert_error(run('train', '--out', smoke_run, '--resume', '--model', 'cyclegan'), 2, '--model cyclegan contradicts', 'model=instagan')
    p = run('train', '--out', smoke_run, '--resume')                              # finished: says so, changes nothing
    assert p.returncode == 0 and 'finished run' in p.stdout, p.stderr[-1500:]
    assert digest(smoke_run) == before
    fresh = tmp_path / 'fresh'                                                   # no checkpoint yet: starts from scratch
    p = run('train', '--preset', 'smoke', '--out', fresh, '--resume')
    assert p.returncode == 0 and 'starts from scratch' in p.stdout and (fresh / 'summary.json').exists()

def test_corrupt_checkpoint_and_model(tmp_path, smoke_run):
    r = tmp_path / 'run'; shutil.copytree(smoke_run, r)
    for f in ('checkpoint.pth', 'checkpoint.prev.pth'): (r / f).write_bytes((r / f).read_bytes()[:500])
    (r / 'summary.json').unlink()
    assert_error(run('train', '--out', r, '--resume'), 1, 'checkpoint.prev.pth is corrupt or truncated')
    (r / 'model.pth').write_bytes(b'not a torch file')
    imgs = tmp_path / 'imgs'; shutil.copytree(smoke_run / 'data' / 'testA', imgs); shutil.copytree(smoke_run / 'data' / 'testA_seg', tmp_path / 'imgs_seg')
    assert_error(run('translate', '--run', r, '--images', imgs, '--out', tmp_path / 'o'), 1, 'model.pth is corrupt or truncated')
    foreign = tmp_path / 'foreign'; shutil.copytree(smoke_run, foreign)
    torch.save({'conv.weight': torch.zeros(3)}, foreign / 'model.pth')
    assert_error(run('translate', '--run', foreign, '--images', imgs, '--out', tmp_path / 'o'), 1, "does not hold this run's instagan networks", 'tensors missing')
    assert_error(run('translate', '--run', tmp_path / 'nowhere', '--images', imgs, '--out', tmp_path / 'o'), 1, 'not a run directory')
    assert_error(run('eval', '--run', tmp_path / 'nowhere'), 1, 'nowhere')

def test_resume_falls_back_to_the_previous_checkpoint(tmp_path, smoke_run):
    r = tmp_path / 'run'; shutil.copytree(smoke_run, r)
    (r / 'summary.json').unlink()
    (r / 'checkpoint.pth').write_bytes((r / 'checkpoint.pth').read_bytes()[:500])   # truncated, as by a kill during a copy
    p = run('train', '--out', r, '--resume')
    assert p.returncode == 0, p.stderr[-1500:]
    assert 'checkpoint.pth is corrupt or truncated' in p.stdout and 'resuming from the previous checkpoint' in p.stdout
    assert torch.load(r / 'checkpoint.pth', weights_only=True)['epoch'] == 1

def test_divergence_stops_training(tmp_path):
    for flag in ('--lr', '--lr-d'):
        out = tmp_path / flag.strip('-')
        p = run('train', '--preset', 'smoke', '--epochs', 3, flag, '1e6', '--out', out)
        assert_error(p, 1, 'training diverged', 'smaller learning rate')
        assert not (out / 'model.pth').exists() and not (out / 'summary.json').exists()

def test_full_disk_leaves_no_temporary_file(tmp_path, monkeypatch):
    from instagan.learner import atomic_save
    from instagan.core import InstaganError
    path = tmp_path / 'checkpoint.pth'
    atomic_save({'epoch': 1}, path)
    def full(obj, f, *a, **k):
        Path(f).write_bytes(b'partial'); raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(torch, 'save', full)
    with pytest.raises(InstaganError, match='the disk is full'): atomic_save({'epoch': 2}, path, keep_previous=True)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['checkpoint.pth']
    assert torch.load(path, weights_only=True)['epoch'] == 1

def test_same_seed_same_run(tmp_path):
    outs = [tmp_path / f'r{i}' for i in range(2)]
    for o in outs: assert run('train', '--preset', 'smoke', '--seed', 7, '--out', o).returncode == 0
    assert (outs[0] / 'losses.csv').read_text() == (outs[1] / 'losses.csv').read_text()
    w0, w1 = (torch.load(o / 'model.pth', weights_only=True) for o in outs)
    assert all(torch.equal(w0[k], w1[k]) for k in w0)
    other = tmp_path / 'other'
    assert run('train', '--preset', 'smoke', '--seed', 8, '--out', other).returncode == 0
    assert (other / 'losses.csv').read_text() != (outs[0] / 'losses.csv').read_text()

def test_one_step_or_sequential(tmp_path):
    "The quick preset trains one step on 2 instances; `--sequential` trains the full method on up to 4, 2 a step."
    from instagan.runs import make_config
    assert (make_config('quick').one_step, make_config('quick').ins_max) == (True, 2)
    out = tmp_path / 'seq'
    assert run('train', '--preset', 'smoke', '--sequential', '--epochs', 1, '--out', out).returncode == 0
    saved = json.loads((out / 'config.json').read_text())
    assert (saved['one_step'], saved['ins_max'], saved['ins_per']) == (False, 4, 2)
    assert_error(run('train', '--out', out, '--resume', '--one-step'), 2, '--one-step True contradicts', 'one_step=False')
