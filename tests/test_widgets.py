"SequentialViewer on a smoke run: the drawing function alone, then the widget driven through its controls' values."
import pytest, torch
from instagan.core import pad_masks
from instagan.config import make_config
from instagan.runs import train, load_run
from instagan.sequential import translate_sequential
from instagan.widgets import (SequentialViewer, ViewerState, draw_sequential, _input_order, png_bytes, png_size,
                              render_sequential, view_panels)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return train(make_config('smoke', out=tmp_path_factory.mktemp('w') / 'run'), quiet=True)


@pytest.fixture()
def viewer(run_dir):
    return SequentialViewer(run_dir)


def _sample_with(v, k):
    "Index of a testA sample with at least k instances."
    for i in range(v.sample.max + 1):
        if v.state_for(i).a.shape[0] >= k: return i
    pytest.skip(f"no test sample with {k} instances")


def test_draw_is_a_function_of_state(viewer):
    i = _sample_with(viewer, 2)
    st = viewer.state_for(i, 'AB', ins_per=1, step=2)
    assert isinstance(st, ViewerState) and st.n_steps == st.a.shape[0]
    fig = draw_sequential(st)
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert "x_{2}" in titles[0] and "b'_{2}" in titles[1] and "b'_{1:2}" in titles[2]
    assert 'step 2 of' in fig._suptitle.get_text()
    fig = draw_sequential(viewer.state_for(i, 'AB', ins_per=1, step=1, compare=True))
    assert len(fig.axes) == 6 and 'one step' in fig.axes[4].get_title()
    with pytest.raises(IndexError, match='step'): draw_sequential(ViewerState(**{**st.__dict__, 'step': 99}))


def test_input_order_restores_slots(viewer):
    i = _sample_with(viewer, 2)
    st = viewer.state_for(i, ins_per=1, step=1)
    last = st.seq.steps[-1]; n = st.a.shape[0]
    agg, v = _input_order(last.agg_masks[0], last.agg_valid[0], st.seq.order[0], 0, n)
    assert torch.equal(agg, st.seq.masks[0, :n]) and v.all()


def test_subset_is_what_the_generator_sees(run_dir, viewer):
    i = _sample_with(viewer, 2)
    n = viewer.state_for(i).a.shape[0]
    subset = (False,) + (True,) * (n - 1)
    st = viewer.state_for(i, ins_per=1, subset=subset)
    assert st.seq.valid[0, :n].tolist() == list(subset)
    assert st.n_steps == n - 1
    assert (st.seq.masks[0, 0] == -1).all()  # the unchecked instance gets no translated mask
    # the same as calling translate_sequential with that valid by hand
    x, a = st.x, st.a
    m, val = pad_masks([a]); val[0, 0] = False
    ref = translate_sequential(load_run(run_dir).model.G_AB, x[None], m, val, 1)
    assert torch.allclose(ref.image, st.seq.image, atol=1e-5)


def test_drive_controls(viewer):
    i = _sample_with(viewer, 2)
    viewer.sample.value = i
    n = len(viewer.instances)
    assert n == viewer.state.a.shape[0] and all(c.value for c in viewer.instances)
    viewer.ins_per.value = 1
    assert viewer.step.max == n and viewer.state.n_steps == n
    viewer.ins_per.value = n
    assert viewer.step.max == 1
    viewer.ins_per.value = 1
    viewer.step.value = n
    assert viewer.state.step == n
    # the step slider is served from the cache and changes the picture
    before, png = viewer.n_translations, viewer.image.value
    viewer.step.value = 1
    assert viewer.n_translations == before and viewer.image.value != png and len(viewer.image.value) > 0
    # unchecking an instance: one step fewer, and it is not valid
    viewer.step.value = n
    viewer.instances[0].value = False
    assert viewer.step.max == n - 1 and viewer.step.value == n - 1
    assert viewer.state.seq.valid[0, 0].item() is False
    assert len(viewer.figure().axes) == 3
    png = viewer.image.value
    viewer.compare.value = True
    assert len(viewer.figure().axes) == 6 and viewer.image.value != png
    # going back to an earlier choice translates nothing new
    viewer.compare.value = False
    before = viewer.n_translations
    viewer.instances[0].value = True; viewer.instances[0].value = False
    assert viewer.n_translations == before


def test_direction_switches_folder(viewer):
    viewer.direction.value = 'BA'
    assert viewer.folder == 'testB' and viewer.state.name.startswith('testB/')
    assert viewer.sample.max == len(viewer._dataset('testB')) - 1
    assert len(viewer.instances) == viewer.state.a.shape[0]
    assert '→'.join('BA') in draw_sequential(viewer.state)._suptitle.get_text()
    viewer.direction.value = 'AB'
    assert viewer.folder == 'testA'


def test_model_forms(run_dir):
    run = load_run(run_dir)
    a = SequentialViewer(run).state_for(0, ins_per=1)
    b = SequentialViewer(run.model, data_dir=run.data_dir, size=run.cfg.size).state_for(0, ins_per=1)
    assert torch.allclose(a.seq.image, b.seq.image)
    v = SequentialViewer(run, folder='testB')
    assert v.direction.value == 'BA'


def test_errors(run_dir, viewer):
    with pytest.raises(IndexError, match='out of range'): viewer.state_for(sample=999)
    with pytest.raises(ValueError, match='instances'): viewer.state_for(0, subset=(True,) * 99)
    with pytest.raises(ValueError, match='direction'): viewer.state_for(0, direction='XY')
    with pytest.raises(ValueError, match='ins_per'): viewer.state_for(0, ins_per=0)
    with pytest.raises(FileNotFoundError, match='not a run directory'): SequentialViewer(run_dir / 'data')
    with pytest.raises(ValueError, match='data_dir is required'): SequentialViewer(viewer.model)
    with pytest.raises(TypeError): SequentialViewer(42)
    with pytest.raises(FileNotFoundError, match='does not exist'): SequentialViewer(run_dir, data_dir=run_dir / 'nope')


def test_picture_is_the_fast_render(viewer):
    "The widget shows `render_sequential`'s picture of its state (the panels of `draw_sequential`), at its own width."
    viewer.sample.value = _sample_with(viewer, 2)
    viewer.compare.value = True
    st = viewer.state
    png = png_bytes(render_sequential(st))
    assert bytes(viewer.image.value) == png and viewer.image.layout.width == f'{png_size(png)[0]}px'
    titles = [p['title'] for p in view_panels(st)]
    assert titles[4].startswith('one step') and [t.replace('$', '') for t in
                                                 (ax.get_title() for ax in draw_sequential(st).axes)] == titles
