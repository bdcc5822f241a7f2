"""The mask editor and the ablation explorer without a browser: scene edits change the masks as asked, undo restores,
exports round-trip through the folder layout and `instagan translate`; the widgets driven by mouse events and button
clicks; the explorer on a tiny ablation folder (2 configurations x 2 seeds, untrained smoke-size networks) in the
layout `instagan ablate` writes, its per-scene scores checked against the recorded table."""
import json
from dataclasses import asdict
import numpy as np
import pandas as pd
import pytest
import torch
from instagan.cli import run_command
from instagan.data import FolderDataset, Scene, make_synthetic, render_scene
from instagan.edits import (InstanceScene, SceneEditor, add_instance, brush_mask, delete_instance, export_scene,
                            move_instance, next_name, rotate_instance, scale_instance, shape_mask)
from instagan.editor import MaskEditor, translate_scene
from instagan.stats import mean_ci
from instagan.explorer import (AblationExplorer, RowScores, largest_disagreement, load_ablation,
                               scene_scores, table_mean)
from instagan.metrics import evaluate
from instagan.models import GANModels
from instagan.config import make_config
from instagan.runs import load_run
from instagan.shipped import pretrained_run


def _scene(footprints=((0.5, 0.3, 0.15), (0.5, 0.72, 0.12)), seed=3):
    return InstanceScene(*render_scene(Scene(seed, list(footprints), [0.2] * len(footprints)), 'A', 64))


def _centre(mask):
    ys, xs = np.nonzero(mask)
    return ys.mean(), xs.mean()


# ---------------------------------------------------------------- scene edits

def test_move_moves_mask_and_pixels():
    s = _scene()
    k = 1
    m = move_instance(s, k, -5, 7)
    assert m.n == s.n and m.focus == k
    assert np.array_equal(m.masks[k], np.roll(s.masks[k], (-5, 7), (0, 1)))
    assert np.array_equal(m.image[m.masks[k]], s.image[s.masks[k]])          # its pixels, in the same order
    left = s.masks[k] & ~m.masks[k]
    assert not np.array_equal(m.image[left], s.image[left])                  # painted over with background
    only = move_instance(s, k, -5, 7, pixels=False)
    assert np.array_equal(only.image, s.image) and np.array_equal(only.masks[k], m.masks[k])


def test_scale_and_turn():
    s = _scene()
    big = scale_instance(s, 0, 1.5)
    assert 1.5 ** 2 * 0.9 < big.masks[0].sum() / s.masks[0].sum() < 1.5 ** 2 * 1.1
    assert np.allclose(_centre(big.masks[0]), _centre(s.masks[0]), atol=1)
    t = rotate_instance(s, 0)
    (h0, w0), (h1, w1) = [(np.ptp(np.nonzero(m)[0]) + 1, np.ptp(np.nonzero(m)[1]) + 1) for m in (s.masks[0], t.masks[0])]
    assert (h1, w1) == (w0, h0) and t.masks[0].sum() == s.masks[0].sum()    # wide became tall, same pixels
    assert rotate_instance(s, 0, 4) == s
    with pytest.raises(ValueError, match='factor'): scale_instance(s, 0, 0)


def test_overlap_keeps_visible_parts():
    s = _scene()
    o = move_instance(s, 1, 0, -18)                                           # onto instance 0
    assert not (o.masks[0] & o.masks[1]).any()                                # no pixel in two instances
    assert o.masks[1].sum() == s.masks[1].sum() and o.masks[0].sum() < s.masks[0].sum()   # the moved one in front
    small = InstanceScene(s.image, shape_mask('ellipse', (30, 30), (34, 36), (64, 64))[None])
    two = add_instance(small, shape_mask('rectangle', (2, 2), (20, 20), (64, 64)))
    gone = move_instance(two, 1, 24, 24)                                      # in front of one it covers wholly
    assert gone.n == 1 and gone.focus == 0 and gone.masks[0].sum() == 19 * 19


def test_draw_brush_delete():
    s = _scene()
    e = shape_mask('ellipse', (40, 10), (56, 40), (64, 64))
    d = add_instance(s, e)
    assert d.n == s.n + 1 and d.focus == s.n and np.array_equal(d.masks[-1], e)
    assert np.array_equal(d.image, s.image)                                   # drawing changes masks only
    b = brush_mask([(5, 5), (5, 30), (20, 30)], 2, (64, 64))
    assert b[5, 5:31].all() and b[5:21, 30].all() and not b[40:].any()
    assert delete_instance(d, 0).n == s.n and np.array_equal(delete_instance(d, 0, pixels=False).image, s.image)
    with pytest.raises(ValueError, match='empty'): add_instance(s, np.zeros((64, 64), bool))


def test_undo_restores_every_step():
    s = _scene()
    ed = SceneEditor(s)
    seen = [ed.scene]
    ed.move(3, 3); seen.append(ed.scene)
    ed.scale(1.25); seen.append(ed.scene)
    ed.rotate(); seen.append(ed.scene)
    ed.draw('rectangle', (2, 2), (10, 20)); seen.append(ed.scene)
    assert ed.selected == ed.scene.n - 1
    ed.brush([(50, 50), (55, 60)], 2); seen.append(ed.scene)
    ed.selected = 0; ed.delete(); seen.append(ed.scene)
    ed.reset(); assert ed.scene == s
    assert ed.undo() and ed.scene == seen[-1]                                  # reset is undone like any edit
    for want in reversed(seen[:-1]):
        assert ed.undo() and ed.scene == want
    assert not ed.undo() and ed.scene == s
    ed.selected = None
    with pytest.raises(ValueError, match='select'): ed.move(1, 1)


def test_export_round_trip(tmp_path):
    s = add_instance(move_instance(_scene(), 0, 4, 4), shape_mask('ellipse', (40, 10), (56, 40), (64, 64)))
    name = next_name(tmp_path)
    export_scene(s, tmp_path, 'testA', name)
    back = InstanceScene.from_folder(tmp_path, 'testA', 0)
    order = np.argsort(-s.masks.sum((1, 2)), kind='stable')
    assert np.array_equal(back.image, s.image) and np.array_equal(back.masks, s.masks[order])
    with pytest.raises(FileExistsError): export_scene(s, tmp_path, 'testA', name)
    assert next_name(tmp_path) != name
    out = tmp_path / 'translated'
    run_command(['translate', '--run', str(pretrained_run().path), '--images', str(tmp_path / 'testA'), '--out', str(out)])
    assert len(list((tmp_path / 'translated_seg').glob(f'{name}_*.png'))) == s.n


# ---------------------------------------------------------------- the editor widget

@pytest.fixture()
def editor(tmp_path):
    return MaskEditor(pretrained_run(), _scene(), export_dir=tmp_path / 'exported')


def _mouse(ed, kind, y, x):
    return dict(type=kind, dataX=x * ed.scale + ed.scale // 2, dataY=y * ed.scale + ed.scale // 2)


def test_editor_mouse_edits_and_translates(editor):
    s = editor.editor.scene
    y, x = map(int, _centre(s.masks[1]))
    png = editor.output.value
    editor.on_mouse(_mouse(editor, 'mousedown', y, x))
    assert editor.editor.selected == 1 and editor.instance.value == 1 and editor.output.value == png  # selecting only
    editor.on_mouse(_mouse(editor, 'mousemove', y + 2, x - 2))
    editor.on_mouse(_mouse(editor, 'mouseup', y + 4, x - 6))
    assert editor.editor.scene == move_instance(s, 1, 4, -6) and editor.output.value != png
    out = translate_scene(editor.model.G_AB, editor.editor.scene)
    assert torch.equal(editor.translation().image, out.image)                 # what is shown is this scene's translation
    editor.tool.value = 'rectangle'
    editor.on_mouse(_mouse(editor, 'mousedown', 45, 5)); editor.on_mouse(_mouse(editor, 'mousemove', 58, 30))
    editor.on_mouse(_mouse(editor, 'mouseleave', 70, 30))                      # leaving ends the drag where it was
    assert editor.editor.scene.n == s.n + 1 and editor.editor.scene.masks[-1][45:59, 5:31].all()
    editor.tool.value = 'brush'
    editor.on_mouse(_mouse(editor, 'mousedown', 5, 40)); editor.on_mouse(_mouse(editor, 'mousemove', 10, 50))
    editor.on_mouse(_mouse(editor, 'mouseup', 5, 60))
    assert editor.editor.scene.n == s.n + 2
    n = editor.editor.scene.n
    editor.buttons['delete'].click(); assert editor.editor.scene.n == n - 1
    editor.buttons['undo'].click(); assert editor.editor.scene.n == n
    editor.buttons['reset'].click(); assert editor.editor.scene == s
    assert 'instances' in editor.status.value and len(editor.redraw_ms) >= 6
    ev = dict(type='mousedown', dataX=0, dataY=0, relativeX=100.5, relativeY=50.5, boundingRectWidth=256, boundingRectHeight=256)
    assert editor._pixel(ev) == (12, 25)                                     # the place as laid out, not dataX
    assert editor._pixel({**ev, 'relativeX': 300}) == (12, 63)              # outside: the nearest pixel inside


def test_editor_modes_and_export(editor):
    ed = editor
    ed.mode.value = 'sequential'; ed.ins_per.value = 1
    assert ed.step.max == ed.editor.scene.n
    wide = ed.output.value
    ed.mode.value = 'one step'
    assert ed.output.value != wide and ed.output.layout.width.endswith('px')
    ed.editor.selected = None
    assert not ed.act('move', lambda: ed.editor.move(1, 1)) and 'select' in ed.status.value
    ed.instance.value = 0; ed.buttons['right'].click()
    paths = ed.export()
    back = InstanceScene.from_folder(paths[0].parent.parent, 'testA', 0)
    assert np.array_equal(back.image, ed.editor.scene.image) and back.n == ed.editor.scene.n
    assert 'instagan translate' in ed.message.value
    ed.direction.value = 'BA'
    assert ed.export()[0].parent.name == 'testB'
    with pytest.raises(TypeError): MaskEditor(42, _scene())


# ---------------------------------------------------------------- the explorer

@pytest.fixture(scope='module')
def ablation(tmp_path_factory):
    "An ablation folder as `instagan ablate` writes it, its paths relative to elsewhere, untrained smoke-size runs."
    root = tmp_path_factory.mktemp('abl') / 'abl'
    data = make_synthetic(root / 'data', n_train=0, n_test=3, size=32, seed=0, progress=False)
    many = make_synthetic(root / 'data-many', n_train=0, n_test=2, size=32, min_instances=3, max_instances=4, seed=1,
                          progress=False)
    runs = {}
    for name, one_step in (('instagan_ctx', True), ('instagan_ctx_seq', False)):
        for s in (0, 1):
            cfg = make_config('smoke', seed=s, one_step=one_step, out=f'elsewhere/abl/runs/{name}/seed{s}')
            d = root / 'runs' / name / f'seed{s}'
            d.mkdir(parents=True)
            torch.manual_seed(10 * s + one_step)
            net = GANModels(cfg.model, cfg.ngf, cfg.n_blocks, cfg.ndf, norm=cfg.norm, image_norm=cfg.image_norm)
            torch.save(net.state_dict(), d / 'model.pth')
            (d / 'config.json').write_text(json.dumps({**asdict(cfg), 'data': str(data)}, default=str))
            runs[f'{name}/seed{s}'] = asdict(cfg)
    (root / 'ablation.json').write_text(json.dumps(dict(preset='smoke', seeds=[0, 1], data='elsewhere/abl/data',
                                                        many='elsewhere/abl/data-many', runs=runs), default=str))
    rows = []
    for section, name, run, ins_per, test, where in (('fig9', 'instagan_ctx', 'instagan_ctx', None, 'standard', data),
                                                     ('fig9', 'instagan_ctx_seq', 'instagan_ctx_seq', 2, 'standard', data),
                                                     ('fig10', 'Seq/One', 'instagan_ctx_seq', None, 'many', many)):
        for s in (0, 1):
            r = load_run(root / 'runs' / run / f'seed{s}')
            m = evaluate(r.translator('AB', ins_per), where, r.translator('BA', ins_per), classifier=None)
            rows.append(dict(section=section, name=name, run=run, test=test, seed=s,
                             inference='one-step' if ins_per is None else f'seq ins_per={ins_per}',
                             **{k: m[k] for k in ('mask_iou', 'bg_l1', 'bg_psnr')}))
    pd.DataFrame(rows).to_csv(root / 'results_seeds.csv', index=False)
    return root


def test_load_ablation_finds_runs_inside(ablation):
    f = load_ablation(ablation)
    assert f.tests == {'standard': ablation / 'data', 'many': ablation / 'data-many'}
    assert f.run_dir('instagan_ctx_seq', 1) == ablation / 'runs/instagan_ctx_seq/seed1'
    assert [r['name'] for r in f.rows.values()] == ['instagan_ctx', 'instagan_ctx_seq', 'Seq/One']
    with pytest.raises(KeyError, match='seed7'): f.run_dir('instagan_ctx', 7)
    with pytest.raises(FileNotFoundError, match='ablation.json'): load_ablation(ablation / 'runs')


def test_scores_match_the_recorded_table(ablation):
    f = load_ablation(ablation)
    for label, row in f.rows.items():
        rs = RowScores(f, label)
        for s, sc in rs.by_seed.items():
            rec = f.per_seed[(f.per_seed.name == row['name']) & (f.per_seed.seed == s)].iloc[0]
            for m in ('mask_iou', 'bg_l1', 'bg_psnr'):
                assert table_mean(sc, m) == pytest.approx(rec[m], abs=1e-5), (label, s, m)
        assert len(rs.per_scene()) == (6 if row['test'] == 'standard' else 4)


def test_intervals_and_scene_picks(ablation):
    f = load_ablation(ablation)
    a, b = (RowScores(f, l) for l in list(f.rows)[:2])
    ps = a.per_scene('mask_iou')
    v = ps[['seed0', 'seed1']].values
    half = 12.706 * v.std(1, ddof=1) / np.sqrt(2)                              # t(0.975, 1) = 12.706
    assert np.allclose(ps['hi'] - ps['mean'], half, atol=1e-3) and np.allclose(ps['mean'], v.mean(1))
    per_seed = [table_mean(a.by_seed[s], 'mask_iou') for s in (0, 1)]
    assert a.mean('mask_iou') == pytest.approx(mean_ci(per_seed))
    assert a.mean('mask_iou')[0] == pytest.approx(a.recorded('mask_iou'), abs=1e-5)
    assert ps['mean'][a.worst('mask_iou')] == ps['mean'].min()
    assert a.per_scene('bg_l1')['mean'][a.worst('bg_l1')] == a.per_scene('bg_l1')['mean'].max()   # lower is better
    gap = (a.per_scene()['mean'] - b.per_scene()['mean']).abs()
    assert gap[largest_disagreement(a, b)] == gap.max()
    with pytest.raises(ValueError, match='different test sets'): largest_disagreement(a, RowScores(f, list(f.rows)[2]))
    assert scene_scores(f.run_dir('instagan_ctx', 0), f.tests['standard'], None).equals(a.by_seed[0])


def test_explorer_widget(ablation):
    ex = AblationExplorer(ablation)
    labels = list(ex.folder.rows)
    assert list(ex.b.options) == labels[:2]                                   # B: rows on A's test set
    png = ex.image.value
    assert ex.jump('worst for B') == ex.scores(ex.b.value).worst('mask_iou')
    ex.scene.value = (ex.scene.value + 1) % (ex.scene.max + 1)
    assert ex.image.value != png
    t = ex.metrics_table()
    assert t.shape == (6, 4) and '[' in t.iloc[0]['all scenes, over seeds']  # two seeds: an interval
    ex.a.value = labels[2]
    assert list(ex.b.options) == [labels[2]] and ex.scene.max == 3
    ex.seed.value = 1
    assert bytes(ex.image.value[:4]) == b'\x89PNG' and 'Student' in ex.table.value


@pytest.mark.slow
def test_explorer_on_a_smoke_ablation(tmp_path, monkeypatch):
    "A real `instagan ablate --preset smoke` (about a minute), opened from another folder: every row's scores are the table's."
    import subprocess, sys
    monkeypatch.chdir(tmp_path)
    subprocess.run([sys.executable, '-m', 'instagan', 'ablate', '--preset', 'smoke', '--out', 'abl', '--seeds', '2',
                    '--no-figures'], check=True, capture_output=True)
    (tmp_path / 'elsewhere').mkdir()
    monkeypatch.chdir(tmp_path / 'elsewhere')                                 # the run paths in ablation.json are relative
    f = load_ablation(tmp_path / 'abl')
    assert len(f.rows) == 10 and f.seeds == [0, 1]
    for label in f.rows:
        rs = RowScores(f, label)
        for m in ('mask_iou', 'bg_psnr'):
            assert rs.mean(m)[0] == pytest.approx(rs.recorded(m), abs=1e-4), (label, m)
    ex = AblationExplorer(f)
    ex.jump('largest disagreement')
    assert bytes(ex.image.value[:4]) == b'\x89PNG'
