"""Expected failures of every kind, as a person meets them on the command line: one line on stderr naming the culprit,
exit status 2 for options and 1 for the rest, no traceback, and the input files left as they were."""
import errno, hashlib, json, os, shutil, signal, struct, subprocess, sys, time, zlib
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image

ENV = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "INSTAGAN_DEBUG": ""}
INSTAGAN = [sys.executable, '-m', 'instagan']  # the package of this interpreter, whether or not its venv is activated

def run(*args, env=None):
    return subprocess.run([*INSTAGAN, *map(str, args)], capture_output=True, text=True, timeout=300, env={**ENV, **(env or {})})

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
    out, err, sys.argv, rc = io.StringIO(), io.StringIO(), ['instagan', *argv], 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try: main()
        except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
        except BaseException: rc = 1; traceback.print_exc()
    res.append([rc, err.getvalue(), out.getvalue()])
print(json.dumps(res))
"""

def run_many(argvs:list) -> list:
    "Each command line of `argvs` through the console entry point `instagan.cli.main`, in one fresh process (the imports, most of a refused command's seconds, paid once)."
    p = subprocess.run([sys.executable, '-c', _MANY, json.dumps([list(map(str, a)) for a in argvs])], capture_output=True, text=True, timeout=300, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    return [subprocess.CompletedProcess(a, rc, out, err) for a, (rc, err, out) in zip(argvs, json.loads(p.stdout.strip().splitlines()[-1]))]

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
    from instagan.checkpoints import atomic_save
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
    from instagan.config import make_config
    assert (make_config('quick').one_step, make_config('quick').ins_max) == (True, 2)
    out = tmp_path / 'seq'
    assert run('train', '--preset', 'smoke', '--sequential', '--epochs', 1, '--out', out).returncode == 0
    saved = json.loads((out / 'config.json').read_text())
    assert (saved['one_step'], saved['ins_max'], saved['ins_per']) == (False, 4, 2)
    assert_error(run('train', '--out', out, '--resume', '--one-step'), 2, '--one-step True contradicts', 'one_step=False')


# ---- translate and eval options, data --help: refused before any work, exit status 2 ----

def png_header(path:Path, side:int):
    "A PNG whose header claims `side x side` grey pixels (a decompression bomb: PIL refuses it before decoding)."
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', side, side, 8, 0, 0, 0, 0))
                     + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))

def option_cases(run_dir, imgs, out) -> list:
    "(command line, exit status, words the error line must hold): every option error of translate and eval."
    tr = ['translate', '--run', run_dir, '--images', imgs, '--out', out]
    ev = ['eval', '--run', run_dir, '--out', out]
    cases = [
        (tr + ['--device', 'nonsense'], 2, ["--device 'nonsense' is not a device"]),
        (tr + ['--device', 'cuda:99'], 2, ['--device cuda:99']),
        (tr + ['--size', '0'], 2, ['--size 0', 'multiples of 4']), (tr + ['--size', '30'], 2, ['--size 30']),
        (tr + ['--size', 'big'], 2, ['--size', 'invalid int value']),
        (tr + ['--ins-per', '0'], 2, ['--ins-per must be at least 1']), (tr + ['--direction', 'AC'], 2, ["--direction must be AB or BA, got 'AC'"]),
        (tr + ['--masks', 'predict'], 2, ['--masks predict and --mask-run']), (tr[:-2], 2, ['needs --out']),
        (tr + ['--epochs', '3'], 2, ['unrecognized arguments: --epochs 3']),
        (ev + ['--n-max', '0'], 2, ['--n-max must be at least 1']), (ev + ['--bs', '0'], 2, ['--bs must be at least 1']),
        (ev + ['--cls-epochs', '-1'], 2, ['--cls-epochs must be at least 1']), (ev + ['--ins-per', '0'], 2, ['--ins-per must be at least 1']),
        (ev + ['--arch', 'resnet'], 2, ["--arch must be cnn, vgg16 or vgg16_bn, got 'resnet'"]),
        (ev + ['--model', 'pix2pix'], 2, ["--model 'pix2pix' is not a baseline", 'identity, crop_attach, ideal']),
        (ev + ['--model', 'identity'], 2, ['--model identity needs --data']), (ev + ['--masks', 'gt'], 2, ["--masks must be `predict`"]),
        (['eval', '--out', out], 2, ['needs --run']),
        (['data'], 2, ['`instagan data` needs one of: synthetic, check, ccp, coco, mhp']),
        (['data', 'coco', '--classes', 'sheep'], 2, ['--classes', 'expected 2 arguments']),
    ]
    if not torch.cuda.is_available(): cases.append((tr + ['--device', 'cuda'], 2, ['--device cuda was asked for but no GPU is available']))
    return cases

def test_translate_and_eval_option_errors(tmp_path, smoke_run, data):
    before, out = digest(data), tmp_path / 'out'
    cases = option_cases(smoke_run, data / 'testA', out)
    *res, helped = run_many([a for a, _, _ in cases] + [['data', '--help']])
    for (argv, code, words), p in zip(cases, res): assert_error(p, code, *words)
    assert digest(data) == before and not out.exists() and sorted(os.listdir(tmp_path)) == []
    assert helped.returncode == 0 and helped.stderr == '' and 'instagan data <command>' in helped.stdout, (helped.stdout, helped.stderr)
    assert all(f'data {c}' in helped.stdout for c in ('synthetic', 'check', 'ccp', 'coco', 'mhp')) and 'translate' not in helped.stdout


# ---- never destroy data: an --out that holds something else, or an input, is refused before any work ----

@pytest.fixture(scope='module')
def coco_src(tmp_path_factory):
    from instagan.datasets_coco import make_coco_fixture
    src = tmp_path_factory.mktemp('coco') / 'coco'; make_coco_fixture(src)
    return src

def test_out_that_holds_other_files_or_an_input_is_refused(tmp_path, smoke_run, data, coco_src):
    mine = tmp_path / 'mine'; mine.mkdir(); (mine / 'notes.txt').write_text('keep me'); (mine / 'x.png').write_bytes(b'mine')
    imgs = data / 'testA'
    watched = {d: digest(d) for d in (data, mine, coco_src, smoke_run)}
    coco = ['data', 'coco', '--source', coco_src, '--classes', 'sheep', 'giraffe', '--size', '32']
    cases = [  # (command line, exit status, culprits the message names)
        (['translate', '--run', smoke_run, '--images', imgs, '--out', imgs], 2, [f'--out {imgs} is the input --images {imgs}']),
        (['translate', '--run', smoke_run, '--images', imgs, '--out', imgs / 'o'], 2, ['is inside the input --images', str(imgs)]),
        (['translate', '--run', smoke_run, '--images', imgs, '--out', data / 'testB'], 1, [f"--out {data / 'testB'} exists", 'did not write']),
        (['translate', '--run', smoke_run, '--images', imgs, '--out', mine], 1, [f'--out {mine} exists', 'did not write']),
        (['translate', '--run', smoke_run, '--images', imgs, '--out', data], 2, [f'the input --images {imgs} is inside --out {data}']),
        (['translate', '--run', smoke_run, '--images', imgs, '--out', coco_src], 1, [f'--out {coco_src} exists', '`instagan translate` did not write']),
        (coco + ['--out', data], 1, [f'--out {data} exists', '`instagan data coco` did not write']),   # a data set of another kind
        (coco + ['--out', mine], 1, [str(mine), 'did not write']),
        (coco + ['--out', coco_src / 'prepared'], 2, ['inside the input --source', str(coco_src)]),
        (['data', 'mhp', '--source', coco_src, '--out', data], 1, [str(data), '`instagan data mhp` did not write']),
        (['data', 'ccp', '--source', coco_src, '--out', mine], 1, [str(mine), 'did not write']),
        (['data', 'synthetic', '--out', mine, '--n-train', 2, '--n-test', 1, '--size', 32], 1, [str(mine), 'did not write']),
        (['predict-masks', '--mask-run', smoke_run, '--images', imgs, '--out', mine], 1, [str(mine), 'did not write']),
        (['eval', '--run', mine, '--model', 'identity', '--data', data], 1, [f'--run {mine} exists', 'did not write']),
        (['eval', '--run', smoke_run, '--out', mine], 1, [f'--out {mine}', '`instagan eval` did not write']),
        (['eval', '--run', smoke_run, '--data', data, '--out', data / 'm'], 2, [f"--out {data / 'm'} is inside the input --data {data}"]),
    ]
    for (argv, code, words), p in zip(cases, run_many([a for a, _, _ in cases])):
        assert_error(p, code, *words)
    assert {d: digest(d) for d in watched} == watched
    assert sorted(p.name for p in tmp_path.iterdir()) == ['mine']                   # no partial folder beside it either


# ---- re-running into an output the command wrote replaces all of it ----

def test_translate_twice_replaces_the_whole_output(tmp_path, smoke_run, data):
    imgs = tmp_path / 'photos'; shutil.copytree(data / 'testA', imgs); shutil.copytree(data / 'testA_seg', tmp_path / 'photos_seg')
    one = tmp_path / 'one_mask'; one.mkdir()                                       # the same photos with one mask each
    for p in (tmp_path / 'photos_seg').glob('*_0.png'): shutil.copy(p, one / p.name)
    assert len(list((tmp_path / 'photos_seg').glob('*.png'))) > len(list(one.iterdir()))   # some photo has more than one
    before, out = digest(imgs) | digest(tmp_path / 'photos_seg'), tmp_path / 'o'
    first, second = run_many([['translate', '--run', smoke_run, '--images', imgs, '--out', out],
                              ['translate', '--run', smoke_run, '--images', imgs, '--masks', one, '--out', out]])
    assert first.returncode == 0 and second.returncode == 0, (first.stderr[-1500:], second.stderr[-1500:])
    assert sorted(p.name for p in (tmp_path / 'o_seg').glob('*.png')) == sorted(p.name for p in one.iterdir())  # no stale mask
    assert sorted(p.name for p in out.glob('*.png')) == sorted(p.name for p in imgs.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ['o', 'o_seg', 'one_mask', 'photos', 'photos_seg']
    assert digest(imgs) | digest(tmp_path / 'photos_seg') == before


# ---- a signal or a full disk leaves nothing half written ----

def test_sigterm_during_data_synthetic_leaves_the_earlier_set(tmp_path):
    from instagan.data import make_synthetic
    out = make_synthetic(tmp_path / 'syn', n_train=2, n_test=1, size=32, progress=False)   # an earlier set, to be kept
    before = digest(out)
    p = subprocess.Popen([*INSTAGAN, 'data', 'synthetic', '--out', str(out), '--n-train', '100000', '--size', '32'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.time() + 120
    while not list(tmp_path.glob('.syn.partial-*/syn/trainA/*.png')) and p.poll() is None and time.time() < deadline: time.sleep(0.1)
    assert p.poll() is None, p.communicate()[1][-1500:]                          # it is writing the new set
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and 'Traceback' not in err, err[-1500:]
    assert err.strip().splitlines()[-1] == 'instagan data synthetic: terminated (its partial output was removed)', err[-1500:]
    assert sorted(q.name for q in tmp_path.iterdir()) == ['syn'] and digest(out) == before

def main_in_process(capsys, *args) -> subprocess.CompletedProcess:
    "`instagan ARGS` through `instagan.cli.main` in this process (so that a test can patch what it calls)."
    from instagan.cli import main
    old, sys.argv, rc = sys.argv, ['instagan', *map(str, args)], 0
    try: main()
    except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
    finally: sys.argv = old
    o = capsys.readouterr()
    return subprocess.CompletedProcess(args, rc, o.out, o.err)

def full_disk_save(n:int, real_save):
    "A stand-in for `PIL.Image.Image.save` whose calls after the `n`th leave a 0-byte file and fail as a full disk does."
    calls = [0]
    def save(self, fp, *a, **k):
        calls[0] += 1
        if calls[0] <= n: return real_save(self, fp, *a, **k)
        Path(fp).write_bytes(b'')
        raise OSError(errno.ENOSPC, 'No space left on device', str(fp))
    return save

def full_disk_write_text(real_write_text):
    "A stand-in for `Path.write_text` that fails as a full disk does on the metrics files (leaving them 0-byte)."
    def write_text(self, data, *a, **k):
        if not self.name.startswith('metrics'): return real_write_text(self, data, *a, **k)
        self.write_bytes(b'')
        raise OSError(errno.ENOSPC, 'No space left on device', str(self))
    return write_text

def no_partial_or_empty_file(folder:Path):
    assert not [p for p in folder.rglob('*') if 'partial' in p.name or '.old-' in p.name], sorted(folder.rglob('*'))
    assert not [p for p in folder.rglob('*') if p.is_file() and p.stat().st_size == 0], 'a 0-byte file was left'

def test_full_disk_during_translate_eval_and_data_coco(tmp_path, smoke_run, data, coco_src, capsys, monkeypatch):
    imgs, out = data / 'testA', tmp_path / 'o'
    watched = {d: digest(d) for d in (data, coco_src)}
    assert main_in_process(capsys, 'translate', '--run', smoke_run, '--images', imgs, '--out', out).returncode == 0
    earlier = digest(out) | digest(tmp_path / 'o_seg')
    real_save = Image.Image.save
    monkeypatch.setattr(Image.Image, 'save', full_disk_save(3, real_save))
    p = main_in_process(capsys, 'translate', '--run', smoke_run, '--images', imgs, '--out', out)   # the disk fills: earlier output stays
    assert_error(p, 1, f'the disk is full: could not write --out {out}')
    assert digest(out) | digest(tmp_path / 'o_seg') == earlier
    monkeypatch.setattr(Image.Image, 'save', full_disk_save(5, real_save))
    p = main_in_process(capsys, 'data', 'coco', '--source', coco_src, '--classes', 'sheep', 'giraffe', '--size', '32', '--out', tmp_path / 'c')
    assert_error(p, 1, f"the disk is full: could not write --out {tmp_path / 'c'}")
    monkeypatch.undo()
    monkeypatch.setattr(Path, 'write_text', full_disk_write_text(Path.write_text))  # metrics.json, metrics.md
    p = main_in_process(capsys, 'eval', '--run', tmp_path / 'ev', '--model', 'identity', '--data', data, '--cls-epochs', 1, '--n-max', 2)
    assert_error(p, 1, f"the disk is full: could not write --run {tmp_path / 'ev'}")
    monkeypatch.undo()
    assert sorted(q.name for q in tmp_path.iterdir()) == ['o', 'o_seg']
    no_partial_or_empty_file(tmp_path)
    assert {d: digest(d) for d in watched} == watched


# ---- every input read right, or refused by name ----

def test_unreadable_inputs_are_refused_by_name(tmp_path, smoke_run, data, coco_src):
    imgs = tmp_path / 'photos'; shutil.copytree(data / 'testA', imgs); png_header(imgs / 'bomb.png', 20000)   # 400 million pixels
    bad_json = tmp_path / 'bad.json'; bad_json.write_text('{"images": [{"id": 1,')
    js = json.loads((coco_src / 'annotations' / 'instances_train2017.json').read_text()); js['annotations'][0]['image_id'] = 999
    lost = tmp_path / 'lost_image.json'; lost.write_text(json.dumps(js))
    js = json.loads((coco_src / 'annotations' / 'instances_train2017.json').read_text())
    js['images'][0]['file_name'] = '../../secret.jpg'; js['images'][1]['file_name'] = '/etc/secret.jpg'
    escape = tmp_path / 'escape.json'; escape.write_text(json.dumps(js))
    deep = tmp_path / 'deep'; shutil.copytree(data, deep)                           # 16-bit images and colour masks: read right
    for p in (deep / 'trainA').glob('*.png'):
        Image.fromarray((np.asarray(Image.open(p).convert('L')).astype(np.uint16) * 257)).save(p)
    for p in (deep / 'trainA_seg').glob('*.png'):
        m = np.asarray(Image.open(p)) > 127; rgb = np.zeros((*m.shape, 3), np.uint8); rgb[m] = (0, 0, 255); Image.fromarray(rgb).save(p)
    odd = sorted((deep / 'trainB_seg').glob('*.png'))[0]
    Image.fromarray(np.full((32, 32), 7.5, np.float32)).save(odd, format='TIFF')    # float values of no known scale
    watched = {d: digest(d) for d in (imgs, coco_src, deep)}
    coco = ['data', 'coco', '--images', coco_src / 'train2017', '--classes', 'sheep', 'giraffe', '--size', 32, '--test-frac', 0]
    res = run_many([['translate', '--run', smoke_run, '--images', imgs, '--masks', data / 'testA_seg', '--out', tmp_path / 'o'],
                    coco + ['--annotations', bad_json, '--out', tmp_path / 'c1'], coco + ['--annotations', lost, '--out', tmp_path / 'c2'],
                    coco + ['--annotations', escape, '--out', tmp_path / 'c3'], ['data', 'check', deep]])
    assert_error(res[0], 1, f"refused image {imgs / 'bomb.png'}", 'decompression bomb')
    assert_error(res[1], 1, f'{bad_json} is not valid JSON')
    assert_error(res[2], 1, f'{lost}: annotation 1 names image_id 999')
    assert res[3].returncode == 0, res[3].stderr[-1500:]
    rep = json.loads((tmp_path / 'c3' / 'instagan_dataset.json').read_text())
    assert rep['skipped']['file_name outside the images folder (not read)'] == 2 and rep['examples']['file_name outside the images folder (not read)'] == '../../secret.jpg'
    assert_error(res[4], 1, '1 problem(s)', f'cannot read mask {odd} right: mode F with values 7.5 to 7.5')
    assert sorted(q.name for q in tmp_path.iterdir()) == ['bad.json', 'c3', 'deep', 'escape.json', 'lost_image.json', 'photos']
    assert {d: digest(d) for d in watched} == watched
    from instagan.data_check import check_data
    Image.fromarray(np.full((32, 32), 255, np.uint8)).save(odd); r = check_data(deep)
    assert r.ok and not r.warnings, r.summary()                                      # 16-bit images, blue masks: nothing to report
    from instagan.data import FolderDataset
    x, a = FolderDataset(deep, 'trainA')[0]
    assert -1 < x.mean() < 0.9 and a.shape[0] >= 1 and (a > 0).any()                # neither all white nor empty masks
