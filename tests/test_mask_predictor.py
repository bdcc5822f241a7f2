"`instagan train-masks`, `predict-masks`, `translate --masks predict` and `eval --masks predict` end to end on tiny data."
import json, os, shutil, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from instagan.data import make_synthetic
from instagan.cli import run_command
from instagan.masks import MaskPredictor, instances_from_union

FIXTURE = Path(__file__).parent / 'fixtures' / 'official-ngf8'

@pytest.fixture(scope='module')
def syn(tmp_path_factory):
    return make_synthetic(tmp_path_factory.mktemp('syn'), n_train=12, n_test=4, size=32, max_instances=3, seed=3, progress=False)

@pytest.fixture(scope='module')
def mrun(syn, tmp_path_factory):
    out = tmp_path_factory.mktemp('m') / 'mrun'
    return run_command(['train-masks', '--preset', 'smoke', '--data', str(syn), '--out', str(out)])

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    return run_command(['import-official', str(FIXTURE), '--out', str(tmp_path_factory.mktemp('r') / 'run'),
                        '--ngf', '8', '--ndf', '8', '--size', '32'])

def test_train_masks_smoke_writes_a_mask_run(mrun):
    cfg = json.loads((mrun / 'config.json').read_text())
    assert cfg['kind'] == 'mask_predictor' and cfg['preset'] == 'smoke'
    s = json.loads((mrun / 'summary.json').read_text())
    assert 0 <= s['union_iou'] <= 1 and s['wall_s'] > 0
    for f in ('model.pth', 'history.csv', 'losses.csv', 'curve.png'): assert (mrun / f).exists(), f
    assert len((mrun / 'losses.csv').read_text().splitlines()) == 1 + 4      # header + 4 iterations

def test_translate_predict_on_a_folder_without_masks(syn, mrun, run, tmp_path):
    photos = tmp_path / 'photos'; photos.mkdir()
    for p in sorted((syn / 'testB').glob('*.png')): shutil.copy(p, photos / p.name)
    assert not (tmp_path / 'photos_seg').exists()
    out = run_command(['translate', '--run', str(run), '--images', str(photos), '--out', str(tmp_path / 'o' / 'A'),
                       '--masks', 'predict', '--mask-run', str(mrun), '--direction', 'BA'])
    names = sorted(p.name for p in photos.iterdir())
    assert sorted(p.name for p in out.glob('*.png')) == names
    assert sorted(p.name for p in (tmp_path / 'o' / 'A_input').glob('*.png')) == names
    # the predicted masks are the predictor's instances (clusters of its embeddings), largest first
    pred = MaskPredictor(mrun)
    seg = sorted((tmp_path / 'o' / 'A_input_seg').glob(f"{Path(names[0]).stem}_*.png"))
    from instagan.data import FolderDataset
    xi, _ = FolderDataset(tmp_path / 'o', 'A_input', on_missing_masks='keep')[0]
    assert len(seg) == pred.instances(xi[None])[0].shape[0]

def test_watershed_splits_overlapping_ellipses_that_components_merge(mrun):
    yy, xx = torch.meshgrid(torch.arange(40.), torch.arange(40.), indexing='ij')
    ell = lambda cy, cx: ((xx - cx) / 9) ** 2 + ((yy - cy) / 5) ** 2 <= 1
    u = (ell(18, 11) | ell(22, 26)).float() * 2 - 1
    assert instances_from_union(u, split='components').shape[0] == 1
    ws = instances_from_union(u)                                    # the default
    assert ws.shape[0] == 2
    assert ws[0][18, 11] > 0 and ws[1][22, 26] > 0 or ws[1][18, 11] > 0 and ws[0][22, 26] > 0
    assert ((ws > 0).sum(0) == (u > 0).long()).all()               # a partition of the union
    assert instances_from_union(ell(20, 20).float() * 2 - 1).shape[0] == 1
    assert MaskPredictor(mrun).split == 'embedding' and MaskPredictor(mrun, split='components').split == 'components'
    with pytest.raises(ValueError, match='split must be one of'): MaskPredictor(mrun, split='cc')

def test_a_mask_run_without_embeddings_splits_by_watershed(syn, tmp_path):
    "Mask runs trained before instance embeddings (or with --embed 0) still load, and split the union by its shape."
    out = run_command(['train-masks', '--preset', 'smoke', '--data', str(syn), '--embed', '0', '--out', str(tmp_path / 'm0')])
    pred = MaskPredictor(out)
    assert pred.split == 'watershed' and pred.outputs(torch.zeros(1, 3, 32, 32)).shape == (1, 1, 32, 32)
    with pytest.raises(ValueError, match='predicts no instance embeddings'): MaskPredictor(out, split='embedding')

def test_translate_predict_errors(syn, mrun, run, tmp_path):
    with pytest.raises(ValueError, match='--masks predict and --mask-run'):
        run_command(['translate', '--run', str(run), '--images', str(syn / 'testA'), '--out', str(tmp_path / 'x'), '--masks', 'predict'])
    with pytest.raises(FileNotFoundError, match='train-masks --out'):
        run_command(['translate', '--run', str(run), '--images', str(syn / 'testA'), '--out', str(tmp_path / 'x'),
                     '--masks', 'predict', '--mask-run', str(tmp_path / 'no_such_run')])
    with pytest.raises(ValueError, match='not a mask predictor run'):
        MaskPredictor(run)

def test_eval_predict_side_by_side(syn, mrun, run, tmp_path):
    m = run_command(['eval', '--run', str(run), '--data', str(syn), '--masks', 'predict', '--mask-run', str(mrun), '--cls-epochs', '1'])
    js = json.loads((Path(run) / 'metrics.json').read_text())
    for k in ('mask_iou', 'mask_iou_predicted', 'cls_score', 'cls_score_predicted', 'mask_predictor_union_iou', 'mask_predictor_count_acc'):
        assert isinstance(js[k], float), k
    assert js['config']['mask_run'] == str(mrun)
    assert (Path(run) / 'metrics_masks.md').read_text().startswith('| metric | ground-truth masks | predicted masks |')
    with pytest.raises(ValueError, match='leave out --model'):
        run_command(['eval', '--run', str(tmp_path), '--model', 'identity', '--data', str(syn), '--masks', 'predict', '--mask-run', str(mrun)])

def test_train_masks_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='--data .* does not exist'):
        run_command(['train-masks', '--preset', 'smoke', '--data', str(tmp_path / 'nope'), '--out', str(tmp_path / 'm')])
    with pytest.raises(ValueError, match='choose one of'):
        run_command(['train-masks', '--preset', 'huge', '--out', str(tmp_path / 'm')])

@pytest.mark.slow
def test_quick_preset_within_five_minutes(tmp_path):
    "The default `instagan train-masks` on the synthetic benchmark: at most 5 minutes, predicted-union IoU >= 0.85, matched instance IoU >= 0.8."
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'from instagan.cli import main; main()', 'train-masks', '--out', str(tmp_path / 'mq')],
                   check=True, cwd=tmp_path, env=env, timeout=600)
    wall = time.perf_counter() - t0
    s = json.loads((tmp_path / 'mq' / 'summary.json').read_text())
    assert wall < 300, wall
    assert s['union_iou'] >= 0.85 and s['inst_iou'] >= 0.8, s
