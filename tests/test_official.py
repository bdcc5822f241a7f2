"`instagan import-official`: the official code's own checkpoint (tests/fixtures/official-ngf8) converts into a run that reproduces its outputs."
import json, shutil, subprocess, sys
from pathlib import Path
import pytest
import torch
from instagan.official import (official_files, convert_generator, convert_discriminator, import_official, fetch_official,
                               OFFICIAL_CHECKPOINTS, _load)
from instagan.runs import load_run
from instagan.cli import run_command

FIXTURE = Path(__file__).parent / 'fixtures' / 'official-ngf8'

@pytest.fixture(scope='module')
def ref():
    r = torch.load(FIXTURE / 'reference.pt', weights_only=True)
    x = r['input']
    return r, x[:, :3], x[:, 3:], torch.ones(1, x.shape[1] - 3, dtype=torch.bool)

def test_generators_reproduce_the_official_outputs(ref):
    r, x, a, v = ref
    for name in ('G_A', 'G_B'):
        G = convert_generator(_load(FIXTURE / f'latest_net_{name}.pth'))
        with torch.no_grad(): y, b = G(x, a, v)
        err = (torch.cat([y, b], 1) - r[name]).abs().max().item()
        assert err < 1e-5, (name, err)

def test_discriminators_reproduce_them_after_one_power_iteration(ref):
    r, x, a, v = ref
    for name in ('D_A', 'D_B'):
        sd = _load(FIXTURE / f'latest_net_{name}.pth')
        with torch.no_grad():
            err = {it: (convert_discriminator(sd, it)(x, a, v) - r[name]).abs().max().item() for it in (0, 1)}
        assert err[1] < 1e-5, (name, err)
        assert err[0] > 1e-5, (name, err)   # the iteration matters: without it the scores differ

def test_imported_run_translates_like_the_official_code(ref, tmp_path):
    r, x, a, v = ref
    out = run_command(['import-official', str(FIXTURE), '--out', str(tmp_path / 'run'), '--ngf', '8', '--ndf', '8', '--size', '64'])
    run = load_run(out)
    y, b = run.translator('AB')(x, a, v)
    assert (torch.cat([y, b], 1) - r['G_A']).abs().max() < 1e-5
    y, b = run.translator('BA')(x, a, v)
    assert (torch.cat([y, b], 1) - r['G_B']).abs().max() < 1e-5
    with torch.no_grad():   # official D_A judges domain B, so it is our D_B
        assert (run.model.D_B(x, a, v) - r['D_A']).abs().max() < 1e-5
        assert (run.model.D_A(x, a, v) - r['D_B']).abs().max() < 1e-5
    prov = json.loads((out / 'official.json').read_text())
    assert prov['mapping'] == {'G_A': 'G_AB', 'G_B': 'G_BA', 'D_A': 'D_B', 'D_B': 'D_A'} and prov['ngf'] == 8

def test_imported_run_works_with_translate(tmp_path):
    from instagan.data import make_synthetic
    syn = make_synthetic(tmp_path / 'syn', n_train=2, n_test=2, size=32, seed=0, progress=False)
    run = import_official(FIXTURE, tmp_path / 'run', ngf=8, ndf=8, size=32)
    out = run_command(['translate', '--run', str(run), '--images', str(syn / 'testA'), '--out', str(tmp_path / 'o' / 'B')])
    assert sorted(p.name for p in out.glob('*.png')) == sorted(p.name for p in (syn / 'testA').iterdir())

def test_clear_errors(tmp_path):
    with pytest.raises(ValueError, match='pass --ngf 8'):
        import_official(FIXTURE, tmp_path / 'a', ngf=64, ndf=8)
    with pytest.raises(ValueError, match='pass --ndf 8'):
        import_official(FIXTURE, tmp_path / 'b', ngf=8, ndf=64)
    part = tmp_path / 'part'; part.mkdir()
    for n in ('G_A', 'G_B'): shutil.copy(FIXTURE / f'latest_net_{n}.pth', part)
    with pytest.raises(FileNotFoundError, match=r'lacks latest_net_D_A.pth, latest_net_D_B.pth.*--generators-only'):
        import_official(part, tmp_path / 'c', ngf=8, ndf=8)
    run = import_official(part, tmp_path / 'd', ngf=8, ndf=None, generators_only=True)
    assert load_run(run).cfg.ngf == 8
    with pytest.raises(FileNotFoundError, match='epochs found there: latest'):
        official_files(FIXTURE, epoch=200)
    bad = tmp_path / 'bad'; bad.mkdir()
    for n in ('G_A', 'G_B', 'D_A', 'D_B'): (bad / f'latest_net_{n}.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='cannot read checkpoint'):
        import_official(bad, tmp_path / 'e', ngf=8, ndf=8)
    with pytest.raises(ValueError, match='needs --out'):
        run_command(['import-official', str(FIXTURE)])

def test_fetch_offline_fails_with_a_clear_message(tmp_path, monkeypatch):
    with pytest.raises(ConnectionError, match='looks offline.*by hand'):
        fetch_official('pants2skirt_mhp_instagan', tmp_path, url='https://127.0.0.1:9/folder')
    import instagan.official as off
    monkeypatch.setattr(off, '_online', lambda *a, **k: False)
    with pytest.raises(ConnectionError, match='shp2gir_coco_instagan cannot be fetched'):
        run_command(['import-official', '--fetch', 'shp2gir_coco_instagan', '--fetch-dir', str(tmp_path), '--out', str(tmp_path / 'r')])
    with pytest.raises(ValueError, match='choose one of'):
        fetch_official('horse2zebra', tmp_path)
    assert set(OFFICIAL_CHECKPOINTS) == {'pants2skirt_mhp_instagan', 'shp2gir_coco_instagan'}

def test_console_script_lists_the_command():
    res = subprocess.run([sys.executable, '-c', 'from instagan.cli import main; main()', 'import-official', '--help'],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and '--generators-only' in res.stdout and '--fetch' in res.stdout
