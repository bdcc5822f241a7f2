"End-to-end: `instagan train` as a user runs it, a run killed after its first checkpoint and resumed, atomic checkpoints."
import json, os, signal, subprocess, sys, time, shutil
from pathlib import Path
import pytest, torch

ENV = {**os.environ, "MPLBACKEND": "Agg"}
INSTAGAN = shutil.which("instagan") or "instagan"

def test_train_smoke_prints_its_results(tmp_path):
    out = tmp_path / "run"
    p = subprocess.run([INSTAGAN, "train", "--preset", "smoke", "--out", str(out)], capture_output=True, text=True,
                       timeout=300, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    assert f"results figure: {out / 'results.png'}" in p.stdout and f"checkpoint: {out / 'checkpoint.pth'}" in p.stdout
    assert (out / "results.png").stat().st_size > 1000
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["preset"] == "smoke" and cfg["model"] == "instagan"

def test_train_rejects_bad_arguments(tmp_path):
    p = subprocess.run([INSTAGAN, "train", "--preset", "smoke", "--model", "pix2pix", "--out", str(tmp_path / "r")],
                       capture_output=True, text=True, timeout=120, env=ENV)
    assert p.returncode != 0 and "instagan, cyclegan, cyclegan_seg" in p.stderr
    p = subprocess.run([INSTAGAN, "train", "--preset", "smoke", "--size", "30", "--out", str(tmp_path / "r2")],
                       capture_output=True, text=True, timeout=120, env=ENV)
    assert p.returncode != 0 and "multiples of 4" in p.stderr

def test_killed_run_resumes_to_the_end(tmp_path):
    out = tmp_path / "run"
    cmd = [INSTAGAN, "train", "--preset", "smoke", "--epochs", "10", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    ck = out / "checkpoint.pth"
    t0 = time.time()
    while not ck.exists() and time.time() - t0 < 240 and proc.poll() is None: time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert ck.exists(), "no checkpoint appeared"
    first = torch.load(ck, weights_only=True)["epoch"]      # a complete file, whenever the kill came
    assert first < 9, "the run finished before it could be killed"
    assert not (out / "summary.json").exists()
    p = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    assert torch.load(ck, weights_only=True)["epoch"] == 9
    epochs = {int(l.split(",")[0]) for l in (out / "losses.csv").read_text().splitlines()[1:]}
    assert epochs == set(range(10)), sorted(set(range(10)) - epochs)

def test_checkpoint_is_never_half_written(tmp_path, monkeypatch):
    from instagan.learner import atomic_save
    path = tmp_path / "checkpoint.pth"
    atomic_save({"epoch": 1, "w": torch.ones(3)}, path)
    real_save = torch.save
    def crash(obj, f, *a, **k):  # write half a file, then die as a killed process would
        real_save(obj, f); Path(f).write_bytes(Path(f).read_bytes()[:20]); raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt): atomic_save({"epoch": 2, "w": torch.zeros(3)}, path)
    monkeypatch.setattr(torch, "save", real_save)
    assert torch.load(path, weights_only=True)["epoch"] == 1  # the previous checkpoint is intact
