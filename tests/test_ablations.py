"""The ablation's configurations and its statistics, without training (notebook 13 runs the smoke ablation end to end)."""
import math
import pandas as pd
import pytest
from instagan.cli import run_command
from instagan.ablations import ABLATIONS, FIG9, EXTRA, CLAIMS, get_ablation, grid_cells, ablation_configs
from instagan.stats import compare, paired_difference, mean_ci

def test_configs_named_and_printable():
    assert list(FIG9) == ['cyclegan', 'cyclegan_seg', 'instagan', 'instagan_ctx', 'instagan_ctx_seq']
    assert set(EXTRA) < set(ABLATIONS) and 'instagan_ctx_all' in EXTRA
    for name, a in ABLATIONS.items(): assert str(a).startswith(name + ': ')
    seq = get_ablation('instagan_ctx_seq').config('smoke')
    assert (seq.ins_max, seq.ins_per, seq.one_step, seq.ctx, seq.train_steps) == (4, 2, False, True, None)
    assert get_ablation('instagan_ctx_seq_step1').config('smoke').train_steps == 1
    one = get_ablation(dict((l, r) for l, r, _ in grid_cells())['One/One']).config('smoke')
    assert (one.ins_max, one.one_step) == (2, True)
    # the paper's one-step rows see at most 2 instances; the extra rows are named as such
    for name in ('cyclegan', 'cyclegan_seg', 'instagan', 'instagan_ctx'): assert get_ablation(name).config('smoke').ins_max == 2
    assert all('extra' in str(get_ablation(n)) for n in EXTRA)
    with pytest.raises(ValueError, match='unknown ablation configuration'): get_ablation('pix2pix')

def test_every_seed_shares_one_data_set():
    cfgs = {s: ablation_configs('quick', s, 'out', {'standard': 'std', 'crowded': 'crw'}) for s in (0, 3)}
    assert {c.data for c in cfgs[0].values()} == {c.data for c in cfgs[3].values()} == {'std', 'crw'}
    assert {c.data_seed for cs in cfgs.values() for c in cs.values()} == {0}
    assert [c.seed for c in cfgs[3].values()] == [3] * len(ABLATIONS)

def test_option_errors():
    with pytest.raises(ValueError, match='unknown ablation preset'): run_command(['ablate', '--preset', 'huge', '--out', 'x'])
    with pytest.raises(ValueError, match='--jobs must be at least 1'): run_command(['ablate', '--jobs', '0', '--out', 'x'])

def test_paired_statistics():
    m, lo, hi = mean_ci([0.5, 0.5, 0.5])
    assert (m, lo, hi) == (0.5, 0.5, 0.5)
    assert all(math.isnan(v) for v in mean_ci([])) and math.isnan(mean_ci([1.])[1])
    # a difference that is there on every seed holds, however large the spread between seeds
    d = paired_difference([0.2, 0.5, 0.8, 0.4, 0.6], [0.22, 0.52, 0.82, 0.42, 0.62])
    assert d['verdict'] == 'higher' and abs(d['diff'] - 0.02) < 1e-9 and d['n'] == 5
    assert paired_difference([0.5, 0.6, 0.7], [0.4, 0.5, 0.6])['verdict'] == 'lower'

def test_claims_read_the_per_seed_table():
    rows = [dict(section='fig9', name=n, seed=s, mask_iou=v + s / 50, bg_psnr=20.)
            for s in range(4) for n, v in (('instagan', .7), ('instagan_ctx', .7 + (0.01 if s % 2 else -0.01)))]
    cmp = compare(pd.DataFrame(rows), CLAIMS)
    got = {(r.a, r.b, r.metric): r.holds for r in cmp.itertuples()}
    assert got[('instagan', 'instagan_ctx', 'mask_iou')] == 'not distinguishable at this scale'
    assert got[('instagan', 'instagan_ctx', 'bg_psnr')] == 'not distinguishable at this scale'   # no difference at all
    assert len(cmp) == sum(c.section == 'fig9' and {c.a, c.b} <= {'instagan', 'instagan_ctx'} for c in CLAIMS)
