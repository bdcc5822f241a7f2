"`instagan eval` end to end: evaluate() with the identity and crop & attach translators, and the metrics.json it writes."
import json, math
import pytest
import torch
from instagan.data import make_synthetic
import instagan.runs, instagan.shipped
from instagan.metrics import evaluate, identity_translator, IdealTranslator, train_domain_classifier
from instagan.cli import eval_cli
from instagan.analysis import CropAttach
from instagan.cli import run_command

KEYS = ('mask_iou', 'mask_iou_identity', 'bg_l1', 'bg_psnr', 'count_kept', 'cls_score', 'cls_score_masked')

@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return make_synthetic(tmp_path_factory.mktemp('syn'), n_train=24, n_test=6, size=32, max_instances=3, seed=1, progress=False)

@pytest.fixture(scope='module')
def clfs(root):
    return tuple(train_domain_classifier(root, 'cnn', masked=m, epochs=6) for m in (False, True))

def _check_keys(m):
    for k in KEYS:
        assert isinstance(m[k], float) and math.isfinite(m[k]), (k, m.get(k))

def test_evaluate_identity_and_crop_attach(root, clfs):
    ident = evaluate(identity_translator, root, identity_translator, classifier=clfs)
    ca = evaluate(CropAttach(root, 'AB'), root, CropAttach(root, 'BA'), classifier=clfs)
    for m in (ident, ca): _check_keys(m); assert {'mask_iou_AB', 'mask_iou_BA', 'cls_real'} <= set(m)
    # the identity is its own floor and keeps the background exactly
    assert ident['mask_iou'] == ident['mask_iou_identity'] and ident['bg_l1'] == 0 and ident['bg_psnr'] == 100
    assert ca['mask_iou_identity'] == ident['mask_iou']           # the same floor, whatever the translator
    assert 0 <= ca['mask_iou'] <= 1 and ca['bg_l1'] > 0           # pasting touches background inside the boxes

def test_evaluate_ideal_is_perfect(root):
    m = evaluate(IdealTranslator(root, 'AB'), root, classifier=None)
    assert (m['mask_iou'], m['bg_l1'], m['bg_psnr'], m['count_kept']) == (1., 0., 100., 1.)
    assert 'cls_score' not in m

def test_evaluate_rejects_bad_translator(root):
    with pytest.raises(ValueError, match='must keep them'):
        evaluate(lambda x, a, v: (x[:, :1], a), root, classifier=None)

def test_eval_cli_crop_attach_writes_metrics(root, tmp_path):
    out = tmp_path / 'ca_run'
    run_command(['eval', '--run', str(out), '--model', 'crop_attach', '--data', str(root), '--cls-epochs', '3'])
    js = json.loads((out / 'metrics.json').read_text())
    _check_keys(js)
    assert js['config'] == {'model': 'crop_attach', 'data': str(root)}
    assert (out / 'metrics.md').read_text().startswith('| metric | mean | AB | BA |')

class FakeRun:
    "What eval_cli expects from instagan.runs.load_run(run_dir): .config, .data_dir, .translator(direction, ins_per)."
    def __init__(self, data_dir): self.config, self.data_dir, self.calls = {'model': 'instagan', 'preset': 'smoke'}, data_dir, []
    def translator(self, direction='AB', ins_per=None):
        self.calls.append((direction, ins_per)); return identity_translator

def test_eval_cli_loads_run(root, tmp_path, monkeypatch):
    run = FakeRun(root); run_dir = tmp_path / 'run'; run_dir.mkdir()
    monkeypatch.setattr(instagan.runs, 'load_run', lambda d: run)
    m = eval_cli(run=str(run_dir), ins_per=2, cls_epochs=3)
    assert run.calls == [('AB', 2), ('BA', 2)]
    js = json.loads((run_dir / 'metrics.json').read_text())
    _check_keys(js)
    assert js['config']['preset'] == 'smoke' and js['config']['eval_data'] == str(root)
    assert js['mask_iou'] == js['mask_iou_identity'] == m['mask_iou']

def test_eval_cli_errors(root, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='needs --run'): eval_cli()
    with pytest.raises(ValueError, match='needs --data'): eval_cli(run=str(tmp_path), model='crop_attach')
    monkeypatch.setattr(instagan.runs, 'load_run', lambda d: FakeRun(root))
    with pytest.raises(FileNotFoundError, match='does not exist'): eval_cli(run=str(tmp_path / 'nowhere'))

def test_eval_of_the_shipped_run_keeps_its_metrics(root, tmp_path):
    "The run shipped in the package is evaluated into --out; without it the command refuses, and the shipped metrics stay."
    shipped = instagan.shipped.PRETRAINED / 'quick'
    before = (shipped / 'metrics.json').read_bytes()
    with pytest.raises(ValueError, match='shipped inside the package'): eval_cli(run=str(shipped), data=str(root), n_max=2)
    m = eval_cli(run=str(shipped), data=str(root), n_max=4, cls_epochs=1, out=str(tmp_path / 'ev'))
    assert json.loads((tmp_path / 'ev' / 'metrics.json').read_text())['mask_iou'] == pytest.approx(m['mask_iou'])
    assert (shipped / 'metrics.json').read_bytes() == before

def test_eval_output_is_written_whole_and_never_over_other_files(root, tmp_path, monkeypatch):
    "Into the run directory: the metrics files replaced (an earlier eval's metrics_masks.md too), nothing else touched; --out: a folder of its own."
    monkeypatch.setattr(instagan.runs, 'load_run', lambda d: FakeRun(root))
    run_dir = tmp_path / 'run'; run_dir.mkdir()
    (run_dir / 'config.json').write_text('{"mine": 1}'); (run_dir / 'metrics_masks.md').write_text('an earlier eval with predicted masks')
    eval_cli(run=str(run_dir), cls_epochs=1, n_max=2)
    assert sorted(p.name for p in run_dir.iterdir()) == ['config.json', 'metrics.json', 'metrics.md']
    assert (run_dir / 'config.json').read_text() == '{"mine": 1}'
    out = tmp_path / 'ev'
    eval_cli(run=str(run_dir), cls_epochs=1, n_max=2, out=str(out))
    (out / 'notes.txt').write_text('left by hand in an eval output')         # eval's own folder: replaced whole next time
    eval_cli(run=str(run_dir), cls_epochs=1, n_max=2, out=str(out))
    assert sorted(p.name for p in out.iterdir()) == ['.instagan-output', 'metrics.json', 'metrics.md']
    mine = tmp_path / 'mine'; mine.mkdir(); (mine / 'keep.txt').write_text('keep')
    with pytest.raises(FileExistsError, match='did not write'): eval_cli(run=str(run_dir), cls_epochs=1, out=str(mine))
    with pytest.raises(ValueError, match='--n-max must be at least 1'): eval_cli(run=str(run_dir), n_max=0)
    assert [p.name for p in mine.iterdir()] == ['keep.txt'] and sorted(p.name for p in tmp_path.iterdir()) == ['ev', 'mine', 'run']
