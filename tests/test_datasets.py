"CLI-level checks of `instagan data ccp|coco|mhp` on tiny fixtures in each raw format: masks pixel by pixel, counts, idempotency, errors, batches."
import json, os
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
import instagan.datasets as ds
from instagan.datasets_ccp import make_ccp_fixture
from instagan.datasets_coco import make_coco_fixture
from instagan.datasets_mhp import make_mhp_fixture
from instagan.cli import run_command
from instagan.data import read_mask, instagan_dls

FOLDERS = ('trainA', 'trainB', 'testA', 'testB')

def _files(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob('*.png')}

def _check_masks(out: Path, report, want_of):
    "Every written mask equals the expected one (decreasing area), and no extra mask exists."
    for f in FOLDERS:
        for name in report.ids[f]:
            want = [m for m in sorted(want_of(f, name), key=lambda m: -m.sum()) if m.any()]
            got = sorted((out / f'{f}_seg').glob(f'{name}_*.png'))
            assert len(got) == len(want), (f, name)
            for k, m in enumerate(want): np.testing.assert_array_equal(read_mask(out / f'{f}_seg' / f'{name}_{k}.png'), m)

def _one_batch(out: Path):
    xa, aa, va, xb, ab, vb = instagan_dls(out, size=16, bs=2, seed=0).train.one_batch()
    assert xa.shape == (2, 3, 16, 16) and xb.shape == (2, 3, 16, 16) and va.any() and vb.any()

@pytest.fixture
def ccp_src(tmp_path):
    src = tmp_path / 'clothing-co-parsing'
    return src, make_ccp_fixture(src)

def test_ccp_cli(tmp_path, ccp_src, capsys):
    src, truth = ccp_src
    out = tmp_path / 'pants2shorts'
    r = run_command(['data', 'ccp', '--out', str(out), '--source', str(src), '--test-frac', '0.25'])
    text = capsys.readouterr().out
    assert 'unreadable image' in text and 'test split' in text and 'ethical' not in text
    ids = {pid for f in FOLDERS for pid in r.ids[f]}
    assert ids == {'0001', '0002', '0003', '0004', '0005', '0006', '0009'}
    assert all(r.ids[f] for f in FOLDERS)
    _check_masks(out, r, lambda f, pid: [truth[pid]['pants' if f.endswith('A') else 'shorts']])
    man = json.loads((out / 'instagan_dataset.json').read_text())
    assert man['images'] == r.images and man['skipped'] == {'unreadable image': 1, 'photo holds neither class': 1}
    _one_batch(out)

def test_ccp_components_and_idempotent(tmp_path, ccp_src):
    src, truth = ccp_src
    out = tmp_path / 'o'
    args = ['data', 'ccp', '--out', str(out), '--source', str(src), '--test-frac', '0.25', '--components']
    r = run_command(args)
    _check_masks(out, r, lambda f, pid: ds.split_components(truth[pid]['pants' if f.endswith('A') else 'shorts']))
    before = _files(out)
    assert any(p.name == '0001_1.png' for p in before)  # two legs, two instances
    run_command(args)
    assert _files(out) == before
    r = run_command(args[:-1])  # without --components: one instance per photo, stale _1 masks gone
    assert not any(p.name.endswith('_1.png') for p in _files(out))
    _check_masks(out, r, lambda f, pid: [truth[pid]['pants' if f.endswith('A') else 'shorts']])

def test_ccp_task_errors_and_warning(tmp_path, ccp_src, capsys):
    src, _ = ccp_src
    run_command(['data', 'ccp', '--out', str(tmp_path / 'j'), '--source', str(src), '--task', 'jeans2skirt'])
    assert 'ethical concerns' in capsys.readouterr().out
    with pytest.raises(ValueError, match='valid names: accessories, bag'):
        run_command(['data', 'ccp', '--out', str(tmp_path / 'x'), '--source', str(src), '--task', 'pants:trousers'])
    with pytest.raises(FileNotFoundError, match='not a folder'):
        run_command(['data', 'ccp', '--out', str(tmp_path / 'x'), '--source', str(tmp_path / 'nowhere')])
    import scipy.io
    scipy.io.savemat(str(src / 'annotations' / 'pixel-level' / '0005.mat'), {'groundtruth': np.zeros((8, 8), np.uint8)})
    with pytest.raises(ValueError, match=r'0005\.mat is 8x8 \(WxH\) but its photo .*0005\.jpg is 30x40'):
        run_command(['data', 'ccp', '--out', str(tmp_path / 'x'), '--source', str(src)])

def test_coco_cli(tmp_path):
    src = tmp_path / 'coco'; truth = make_coco_fixture(src)
    out = tmp_path / 'sheep2giraffe'
    r = run_command(['data', 'coco', '--out', str(out), '--source', str(src), '--classes', 'sheep', 'giraffe', '--size', '0'])
    assert r.ids['trainA'] == ['000000000139', '000000000632', '000000000724', '000000000776', '000000000802']
    assert r.ids['testB'] == ['000000001000']
    assert r.skipped['crowd region'] == 1 and r.skipped['image file missing'] == 1
    _check_masks(out, r, lambda f, n: truth[n]['sheep' if f.endswith('A') else 'giraffe'])
    _one_batch(out)
    # one split given by --annotations/--images: a seeded test split is held out; official resize + centre crop
    out2 = tmp_path / 'c16'
    r = run_command(['data', 'coco', '--out', str(out2), '--annotations', str(src / 'annotations/instances_train2017.json'),
                     '--images', str(src / 'train2017'), '--classes', 'sheep', 'giraffe', '--size', '16', '--test-frac', '0.3'])
    assert r.ids['testA'] and r.ids['testB'] and not set(r.ids['testA']) & set(r.ids['trainA'])
    _check_masks(out2, r, lambda f, n: [m[::2, ::2][4:20] if m.shape == (48, 32) else m[::2, ::2][:, 4:20]
                                        for m in truth[n]['sheep' if f.endswith('A') else 'giraffe']])
    assert Image.open(out2 / 'trainA' / f"{r.ids['trainA'][0]}.png").size == (16, 16)
    with pytest.raises(ValueError, match='valid names: giraffe, person, sheep'):
        run_command(['data', 'coco', '--out', str(tmp_path / 'x'), '--source', str(src), '--classes', 'sheep', 'zebra'])

def test_mhp_cli(tmp_path):
    src = tmp_path / 'LV-MHP-v1'; truth = make_mhp_fixture(src)
    out = tmp_path / 'pants2skirt'
    args = ['data', 'mhp', '--out', str(out), '--source', str(src), '--height', '30', '--width', '20']
    r = run_command(args)
    assert r.ids == {'trainA': ['1'], 'trainB': ['2', '3'], 'testA': ['4', '8'], 'testB': ['4', '7']}
    assert r.skipped == {'unreadable image': 1, 'landscape image (--keep-landscape keeps it)': 1, 'image without annotation': 1}
    _check_masks(out, r, lambda f, i: [m[::2, ::2][:, 2:22] for m in truth[i]['pants' if f.endswith('A') else 'skirt']])
    before = _files(out); run_command(args); assert _files(out) == before
    _one_batch(out)
    r = run_command(args + ['--keep-landscape'])
    assert '5' in r.ids['trainA']  # 40x60 scaled to cover 30x20 (30x45) then cut to 30x20
    with pytest.raises(FileNotFoundError, match='test_list.txt'):
        (src / 'test_list.txt').unlink(); run_command(args)

def test_download_plans_offline(tmp_path, monkeypatch):
    plan, src = ds.download_plan('ccp', tmp_path)
    assert plan[0].url.startswith('https://github.com/bearpaw/clothing-co-parsing/') and src == tmp_path / 'ccp' / 'clothing-co-parsing-master'
    plan, src = ds.download_plan('mhp', tmp_path)
    assert 'drive.google.com' in plan[0].url and src == tmp_path / 'mhp' / 'LV-MHP-v1'
    for k in ds.SOURCES: monkeypatch.setitem(ds.SOURCES, k, {**ds.SOURCES[k], 'url': 'http://127.0.0.1:9/x.zip'})
    for cmd in ('ccp', 'mhp', 'coco'):
        with pytest.raises(ConnectionError, match='pass its folder with --source'):
            run_command(['data', cmd, '--out', str(tmp_path / cmd), '--cache', str(tmp_path / 'cache')])

PREPARE = {  # each prepared fixture must train: `instagan train --data DIR --preset smoke`
    'ccp': lambda src, out: (make_ccp_fixture(src), ['data', 'ccp', '--out', str(out), '--source', str(src), '--test-frac', '0.25']),
    'coco': lambda src, out: (make_coco_fixture(src), ['data', 'coco', '--out', str(out), '--source', str(src), '--classes', 'sheep', 'giraffe', '--size', '32']),
    'mhp': lambda src, out: (make_mhp_fixture(src), ['data', 'mhp', '--out', str(out), '--source', str(src), '--height', '48', '--width', '32']),
}

@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(PREPARE))
def test_prepared_data_trains(tmp_path, name):
    out = tmp_path / name
    _, args = PREPARE[name](tmp_path / f'{name}-src', out)
    run_command(args)
    run = run_command(['train', '--data', str(out), '--preset', 'smoke', '--size', '32', '--out', str(tmp_path / 'run')])
    assert (run / 'summary.json').exists() and (run / 'model.pth').exists()

def test_prepared_output_is_replaced_whole_and_other_folders_refused(tmp_path):
    "Running a preparation again replaces its whole earlier output; a folder it did not write is refused, untouched."
    from instagan.data import make_synthetic
    src = tmp_path / 'coco'; make_coco_fixture(src)
    out = tmp_path / 'c'
    args = ['data', 'coco', '--out', str(out), '--source', str(src), '--classes', 'sheep', 'giraffe', '--size', '16']
    run_command(args)
    (out / 'trainA_seg' / '000000000139_7.png').write_bytes((out / 'trainA_seg' / '000000000139_0.png').read_bytes())  # stale
    before = _files(out); run_command(args)
    assert set(before) - set(_files(out)) == {Path('trainA_seg/000000000139_7.png')}
    syn = make_synthetic(tmp_path / 'syn', n_train=2, n_test=1, size=32, progress=False)    # a data set of another kind
    kept = _files(syn)
    with pytest.raises(FileExistsError, match='`instagan data coco` did not write'):
        run_command(args[:3] + [str(syn)] + args[4:])
    assert _files(syn) == kept and sorted(p.name for p in tmp_path.iterdir()) == ['c', 'coco', 'syn']
