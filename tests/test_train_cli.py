"End-to-end: `instagan train` as a user runs it, a run killed after its first checkpoint and resumed, atomic checkpoints."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch

ENV = {**os.environ, "MPLBACKEND": "Agg"}
INSTAGAN = [sys.executable, "-m", "instagan"]  # the interpreter running the tests: no activated venv needed

def test_train_smoke_prints_its_results(tmp_path):
    out = tmp_path / "run"
    p = subprocess.run([*INSTAGAN, "train", "--preset", "smoke", "--out", str(out)], capture_output=True, text=True,
                       timeout=300, env=ENV)
    assert p.returncode == 0, p.stderr[-2000:]
    assert f"results figure: {out / 'results.png'}" in p.stdout and f"checkpoint: {out / 'checkpoint.pth'}" in p.stdout
    assert (out / "results.png").stat().st_size > 1000
    # stdout is a pipe, as in `instagan train > log`: one compact line per epoch, no redrawn progress bars
    assert "\r" not in p.stdout and "█" not in p.stdout and len(p.stdout.splitlines()) < 20, p.stdout[:2000]
    assert [l.split()[:2] for l in p.stdout.splitlines() if l.startswith("epoch ")] == [["epoch", "0"], ["epoch", "1"]], p.stdout
    assert "Warning" not in p.stderr, p.stderr[-2000:]
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["preset"] == "smoke" and cfg["model"] == "instagan"

def test_train_rejects_bad_arguments(tmp_path):
    p = subprocess.run([*INSTAGAN, "train", "--preset", "smoke", "--model", "pix2pix", "--out", str(tmp_path / "r")],
                       capture_output=True, text=True, timeout=120, env=ENV)
    assert p.returncode != 0 and "instagan, cyclegan, cyclegan_seg" in p.stderr
    p = subprocess.run([*INSTAGAN, "train", "--preset", "smoke", "--size", "30", "--out", str(tmp_path / "r2")],
                       capture_output=True, text=True, timeout=120, env=ENV)
    assert p.returncode != 0 and "multiples of 4" in p.stderr

def test_killed_run_resumes_to_the_end(tmp_path):
    out = tmp_path / "run"
    cmd = [*INSTAGAN, "train", "--preset", "smoke", "--epochs", "10", "--out", str(out)]
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
    from instagan.checkpoints import atomic_save
    path = tmp_path / "checkpoint.pth"
    atomic_save({"epoch": 1, "w": torch.ones(3)}, path)
    real_save = torch.save
    def crash(obj, f, *a, **k):  # write half a file, then die as a killed process would
        real_save(obj, f); Path(f).write_bytes(Path(f).read_bytes()[:20]); raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt): atomic_save({"epoch": 2, "w": torch.zeros(3)}, path)
    monkeypatch.setattr(torch, "save", real_save)
    assert torch.load(path, weights_only=True)["epoch"] == 1  # the previous checkpoint is intact

@pytest.mark.slow
def test_soak_kill_and_resume_five_times(tmp_path):
    "A smoke run killed with SIGKILL at 5 random moments and resumed each time ends complete, with exact logs and sound weights."
    import random
    out, rng = tmp_path / "run", random.Random(0)
    cmd = [*INSTAGAN, "train", "--preset", "smoke", "--epochs", "12", "--out", str(out)]
    env = {**ENV, "OMP_NUM_THREADS": "1"}
    kills = 0
    for attempt in range(5):
        resume = ["--resume"] if (out / "config.json").exists() else []
        proc = subprocess.Popen(cmd + resume, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(3, 12))                            # imports take a few seconds; then somewhere in training
        if proc.poll() is None: proc.send_signal(signal.SIGKILL); kills += 1
        proc.wait()
    p = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert kills >= 3, f"only {kills} of the 5 attempts were killed mid-run"
    assert not list(out.glob("*.tmp"))
    hist = [l.split(",")[0] for l in (out / "history.csv").read_text().splitlines()]
    assert hist == ["epoch"] + [str(e) for e in range(12)], hist
    rows = [l.split(",") for l in (out / "losses.csv").read_text().splitlines()[1:]]
    assert [int(r[1]) for r in rows] == list(range(1, 12 * 3 + 1))   # each iteration once, numbered from the run's start
    assert [int(r[0]) for r in rows] == [i // 3 for i in range(12 * 3)]
    ck = torch.load(out / "checkpoint.pth", weights_only=True)
    assert ck["epoch"] == 11 and ck["iters"] == 36
    w = torch.load(out / "model.pth", weights_only=True)
    assert all(torch.isfinite(v).all() for v in w.values() if v.is_floating_point())
    assert json.loads((out / "summary.json").read_text())["iters_done"] == 36
