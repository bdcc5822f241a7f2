"""Re-measure the numbers of the video lesson (notebook 12c) and print them as markdown tables.

1. Wall time and frames per second of `instagan translate-video` on a generated 64x64 clip of 48 frames (MP4 in,
   MP4 + GIF out), with masks predicted by a mask run and with the clip's masks read from disk.
2. Over N random clips: mask IoU (input instances against the truth, translated masks against the ideal), flicker
   after the known motion, identity switches per 100 frames; true and predicted masks, untracked and tracked, for
   one instance per step, two per step, and all in one step.

Run from the repository root, alone on the machine for timings: `nbs/lab/video_bench.sh` (it trains the quick mask
run into runs/masks-quick first if there is none; that training is not part of the timed translation)."""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np
import torch

from instagan.masks import MaskPredictor
from instagan.shipped import PRETRAINED
from instagan.runs import load_run
from instagan.video import (random_clip, render_clip, write_clip, frames_to_tensor, predict_frame_masks, track_instances,
                            area_ranks, translate_frames, VideoResult, clip_scores)


def command(args: list) -> tuple[float, str]:
    "Wall seconds and stdout of `python -m instagan ARGS` (a fresh process: imports and model loading included)."
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, '-m', 'instagan', *map(str, args)], capture_output=True, text=True)
    if p.returncode: sys.exit(f"failed: instagan {' '.join(map(str, args))}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t0, p.stdout.strip()


def timings(run: Path, mrun: Path, out: Path, frames: int) -> str:
    clip = write_clip(random_clip(0, frames=frames), out / 'clip')
    base = ['translate-video', '--run', run, '--video', clip / 'testA.mp4']
    rows = ['| masks | command | wall time (s) | frames / s (whole command) | what the command reports |', '|---|---|---|---|---|']
    for name, extra in (('predicted (--mask-run)', ['--mask-run', mrun]), ('from disk (--masks)', ['--masks', clip / 'testA_seg'])):
        tag = 'pred' if 'mask-run' in extra[0] else 'disk'
        args = base + extra + ['--out', out / f'{tag}.mp4', '--gif', out / f'{tag}.gif']
        wall, said = command(args)
        shown = ' '.join(str(a) for a in args).replace(str(out), 'OUT').replace(str(Path.cwd()) + '/', '')
        rows.append(f"| {name} | `instagan {shown}` | {wall:.1f} | {frames / wall:.1f} | {said.splitlines()[0]} |")
    return '\n'.join(rows)


def true_masks(ma: np.ndarray) -> list:
    "Each frame's visible true instances, largest first (as the folder layout holds them)."
    out = []
    for m in ma:
        keep = [i for i in np.argsort(-m.sum((1, 2)), kind='stable') if m[i].any()]
        out.append(m[keep])
    return out


def paired(tracked: list, untracked: list, key: str = 'flicker_inst') -> str:
    "In how many clips tracking lowers `key` (by more than float rounding, 1e-6), with a two-sided sign test's p."
    from scipy.stats import binomtest
    d = np.array([a[key] - b[key] for a, b in zip(tracked, untracked)])
    lower, higher = int((d < -1e-6).sum()), int((d > 1e-6).sum())
    if not lower + higher: return f'0/{len(d)} (the same translation)'
    return f'{lower}/{len(d)} (p = {binomtest(lower, lower + higher).pvalue:.3f})'


def tables(run, pred: MaskPredictor, n_clips: int, frames: int) -> tuple[str, dict]:
    G = run.model.generator('AB')
    steps = {'1': 1, '2': 2, 'all': None}
    res, secs = {}, {'predict': 0., 'frames': 0}
    for seed in range(n_clips):
        clip = random_clip(seed, frames=frames)
        fa, ma = render_clip(clip, 'A')
        x = frames_to_tensor(fa, run.cfg.size)
        t0 = time.perf_counter()
        predicted = predict_frame_masks(pred, x)
        secs['predict'] += time.perf_counter() - t0
        secs['frames'] += len(x)
        for src, masks in (('true', true_masks(ma)), ('predicted', predicted)):
            for trk in (False, True):
                tracks = track_instances(masks) if trk else area_ranks(masks)
                for k, ins_per in steps.items():
                    t0 = time.perf_counter()
                    y, b = translate_frames(G, x, masks, tracks, ins_per)
                    secs[f'translate {k}'] = secs.get(f'translate {k}', 0.) + time.perf_counter() - t0
                    s = clip_scores(VideoResult(x, y, masks, b, tracks, [f'{t:05d}' for t in range(len(x))], 8.), clip)
                    res.setdefault((src, k, trk), []).append(s)
    mean = lambda key, m: float(np.mean([s[m] for s in res[key]]))
    sd = lambda key, m: float(np.std([s[m] for s in res[key]]))
    lines = [f'### Mask IoU ({n_clips} clips of {frames} frames; mean ± sd over clips)', '',
             '| masks | input IoU (against the true instances) | mask IoU of the translation (against the ideal) |', '|---|---|---|']
    for src in ('true', 'predicted'):
        key = (src, 'all', True)
        lines.append(f"| {src} | {mean(key, 'input_iou'):.3f} ± {sd(key, 'input_iou'):.3f} | "
                     f"{mean(key, 'mask_iou'):.3f} ± {sd(key, 'mask_iou'):.3f} |")
    lines += ['', f'### Flicker and identity switches ({n_clips} clips; mean over clips; '
              'flicker: mean |change| on [0, 1] after the known motion; the ideal translation scores 0)', '',
              '| masks | instances per step (all: one step) | tracking | flicker (all pixels) | flicker (instance pixels) | '
              'identity switches / 100 frames | mask IoU | clips where tracking lowers instance flicker (sign test) |',
              '|---|---|---|---|---|---|---|---|']
    for src in ('true', 'predicted'):
        for k in steps:
            for trk in (False, True):
                key = (src, k, trk)
                better = '' if not trk else paired(res[key], res[(src, k, False)])
                lines.append(f"| {src} | {k} | {'yes' if trk else 'no'} | {mean(key, 'flicker'):.4f} | {mean(key, 'flicker_inst'):.4f} | "
                             f"{mean(key, 'id_switches_per_100'):.1f} | {mean(key, 'mask_iou'):.3f} | {better} |")
    ideal = max(s['flicker_ideal'] for v in res.values() for s in v)
    lines += ['', f'The ideal translation\'s flicker, largest over all clips: {ideal:.4f}.', '',
              f'### In-process speed ({secs["frames"]} frames at {run.cfg.size}x{run.cfg.size}, '
              f'torch threads: {torch.get_num_threads()})', '', '| stage | frames / s |', '|---|---|',
              f"| mask prediction (U-Net and embedding split) | {secs['frames'] / secs['predict']:.1f} |"]
    n_tr = 2 * 2 * secs['frames']   # each configuration translated every frame: 2 mask sources x 2 trackings
    lines += [f"| translation, {k} instances per step | {n_tr / secs[f'translate {k}']:.1f} |" for k in steps]
    return '\n'.join(lines), {f'{a}|{b}|{c}': v for (a, b, c), v in res.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--mask-run', default='runs/masks-quick', help='mask run (trained with the quick preset if missing)')
    ap.add_argument('--run', default=str(PRETRAINED / 'quick'), help='InstaGAN run (default: the shipped quick run)')
    ap.add_argument('--clips', type=int, default=10, help='random clips for the tables')
    ap.add_argument('--frames', type=int, default=48, help='frames per clip')
    ap.add_argument('--out', default=f"runs/video-bench-{time.strftime('%Y%m%d-%H%M%S')}", help='a new folder for the outputs')
    ap.add_argument('--skip-tables', action='store_true', help='only the timings of the command')
    a = ap.parse_args()
    out, mrun = Path(a.out), Path(a.mask_run)
    out.mkdir(parents=True, exist_ok=False)
    if not (mrun / 'model.pth').exists():
        wall, said = command(['train-masks', '--out', mrun])
        print(f"trained the mask run {mrun} in {wall:.0f} s (not counted below)\n{said}\n", flush=True)
    threads = os.environ.get('OMP_NUM_THREADS', 'unset')
    report = [f"## translate-video on this machine ({os.cpu_count()} CPUs, OMP_NUM_THREADS={threads}, "
              f"torch {torch.__version__}, {time.strftime('%Y-%m-%d %H:%M')})", '', timings(Path(a.run), mrun, out, a.frames)]
    print('\n'.join(report), flush=True)
    if not a.skip_tables:
        text, raw = tables(load_run(a.run), MaskPredictor(mrun), a.clips, a.frames)
        print('\n' + text, flush=True)
        report += ['', text]
        (out / 'scores.json').write_text(json.dumps(raw))
    (out / 'tables.md').write_text('\n'.join(report) + '\n')
    print(f"\nwritten to {out / 'tables.md'}")


if __name__ == '__main__':
    main()
