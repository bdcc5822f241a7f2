"`instagan ablate` end to end on the smoke preset: files, one row per configuration and grid cell, skip/resume, seeds."
import json
import pandas as pd
import pytest
from instagan.cli import run_command
from instagan.ablations import ABLATIONS, FIG9, METRICS, get_ablation, grid_cells

GRID = ['One/One', 'One/Seq', 'Seq/One', 'Seq/Seq']

@pytest.fixture(scope='module')
def first(tmp_path_factory):
    out = tmp_path_factory.mktemp('ablate')
    return out, run_command(['ablate', '--preset', 'smoke', '--out', str(out)])

def test_configs_named_and_printable():
    assert list(FIG9) == ['cyclegan', 'cyclegan_seg', 'instagan', 'instagan_ctx', 'instagan_ctx_seq', 'instagan_ctx_all']
    for name, a in ABLATIONS.items(): assert str(a).startswith(name + ': ')
    seq = get_ablation('instagan_ctx_seq').config('smoke')
    assert (seq.ins_max, seq.ins_per, seq.one_step, seq.ctx) == (4, 2, False, True)
    one = get_ablation(dict((l, r) for l, r, _ in grid_cells())['One/One']).config('smoke')
    assert (one.ins_max, one.one_step) == (2, True)
    assert get_ablation('cyclegan').config('quick').model == 'cyclegan'
    # the paper's one-step rows see at most 2 instances; the extra all-instances row is named as such
    for name in ('cyclegan', 'cyclegan_seg', 'instagan', 'instagan_ctx'): assert get_ablation(name).config('smoke').ins_max == 2
    extra = get_ablation('instagan_ctx_all')
    assert (extra.config('smoke').ins_max, extra.config('smoke').one_step) == (4, True) and 'not in the paper' in str(extra)
    with pytest.raises(ValueError, match='unknown ablation configuration'): get_ablation('pix2pix')
    with pytest.raises(ValueError, match='unknown ablation preset'): run_command(['ablate', '--preset', 'huge', '--out', 'x'])

def test_files_and_rows(first):
    out, res = first
    for f in ('results.csv', 'results.md', 'results_seeds.csv', 'ablation.json', 'fig9.png', 'fig10.png', 'fig9_bars.png', 'fig10_bars.png', 'steps.csv'):
        assert (out / f).is_file(), f
    df = pd.read_csv(out / 'results.csv')
    assert list(df.name) == list(FIG9) + GRID
    assert list(df.section) == ['fig9'] * 6 + ['fig10'] * 4
    assert (df.iters_done == df.iters_planned).all() and set(df.iters_done) == {6}   # every run trained its 2 x 3 iterations
    assert set(df[df.section == 'fig10'].test) == {'many'} and set(df[df.section == 'fig9'].test) == {'standard'}
    assert list(df[df.section == 'fig10'].run) == ['instagan_ctx'] * 2 + ['instagan_ctx_seq'] * 2
    assert set(METRICS) <= set(df.columns) and not any(c.endswith('_std') for c in df.columns)
    assert df[list(METRICS)].notna().all().all()
    md = (out / 'results.md').read_text()
    assert sum(l.startswith('| ') for l in md.splitlines()) == 10 + 2 + 3  # 10 rows and 2 header rows, then the step table: 2 rows, 1 header
    assert '| iters |' in md and '⚠' not in md
    assert json.loads((out / 'ablation.json').read_text())['seeds'] == [0]
    assert set(res.status.values()) == {'trained'} and len(res.status) == len(ABLATIONS)
    # the grid's Seq training is the full method's run, trained once
    assert sorted(p.name for p in (out / 'runs').iterdir()) == sorted(ABLATIONS) and len(ABLATIONS) == 6

def test_rerun_skips_then_resumes(first, capsys):
    out, _ = first
    res = run_command(['ablate', '--preset', 'smoke', '--out', str(out), '--no-figures'])
    assert res.trained == []
    assert capsys.readouterr().out.count('complete, skipped') == len(ABLATIONS)
    (out / 'runs' / 'instagan_ctx' / 'seed0' / 'summary.json').unlink()   # killed after its last checkpoint
    res = run_command(['ablate', '--preset', 'smoke', '--out', str(out), '--no-figures'])
    assert res.status['instagan_ctx/seed0'] == 'resumed' and res.trained == ['instagan_ctx/seed0']

def test_seeds_mean_and_std(first):
    out, _ = first
    res = run_command(['ablate', '--preset', 'smoke', '--out', str(out), '--seeds', '2', '--no-figures'])
    assert sorted(res.trained) == sorted(f'{n}/seed1' for n in ABLATIONS)       # seed 0 is already there
    df = pd.read_csv(out / 'results.csv')
    assert len(df) == 10 and set(df.n_seeds) == {2}
    assert {f'{m}_std' for m in METRICS} <= set(df.columns)
    seeds = pd.read_csv(out / 'results_seeds.csv')
    assert len(seeds) == 20 and sorted(seeds.seed.unique()) == [0, 1]
    assert '±' in (out / 'results.md').read_text()
