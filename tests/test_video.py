"""Video translation (notebook 12c): the tracker on constructed masks, reading and writing tiny clips, output safety,
and `instagan translate-video`'s errors as a person meets them: one line, exit status 2 for options and 1 otherwise."""
import contextlib, io, json, sys
from pathlib import Path
import imageio.v3 as iio, numpy as np, pytest, torch
import instagan.video as video
from instagan.video import (random_clip, render_clip, write_clip, read_video, write_video, track_instances, area_ranks,
                            translate_frames, translate_video, clip_scores)

RUN = Path(video.__file__).parent / 'pretrained' / 'quick'   # the shipped quick run


def square(y, x, s, n=24):
    m = np.zeros((n, n), bool)
    m[y:y + s, x:x + s] = True
    return m


def identities(tracks, truth):
    "The set of (true name, identity) pairs over all frames: one pair per name when the tracker kept every identity."
    return {(w, int(k)) for who, ids in zip(truth, tracks.ids) for w, k in zip(who, ids)}


def test_tracker_crossing_swapped_slots_and_an_empty_frame():
    # two squares pass through each other (the moving one in front), listed in alternating order, and one frame
    # has no instance at all: identities follow the squares, not the slots
    frames, truth = [], []
    for t in range(8):
        a, b = square(6, 2 + t, 8), square(8, 12 - t, 7)
        ms, who = [a, b & ~a], ['a', 'b']
        if t % 2: ms, who = ms[::-1], who[::-1]
        frames.append(np.stack(ms))
        truth.append(who)
    frames, truth = frames + [np.zeros((0, 24, 24), bool)], truth + [[]]
    tr = track_instances(frames, patience=0)
    assert identities(tr, truth[:8]) == {('a', 0), ('b', 1)}
    assert [len(i) for i in tr.ids] == [2] * 8 + [0]
    assert list(area_ranks(frames).ids[8]) == []


def test_tracker_new_and_retired_identities():
    # c is there at frames 0-1, gone for 2 frames, back at 4-5; d appears at frame 3
    frames, truth = [], []
    for t in range(6):
        ms, who = [square(2, 2, 6)], ['a']
        if t in (0, 1, 4, 5): ms, who = ms + [square(14, 14, 6)], who + ['c']
        if t >= 3: ms, who = ms + [square(2, 14, 5)], who + ['d']
        frames.append(np.stack(ms))
        truth.append(who)
    kept = track_instances(frames, patience=2)            # unseen for 2 frames: still within patience
    assert identities(kept, truth) == {('a', 0), ('c', 1), ('d', 2)}
    retired = track_instances(frames, patience=1)         # unseen for longer than patience: a new identity
    assert identities(retired, truth) == {('a', 0), ('c', 1), ('d', 2), ('c', 3)}
    assert retired.rank[0] < retired.rank[2]              # order by mean area: a (36 px) before d (25 px)
    assert [truth[t][k] for t in range(6) for k in retired.order(t)][:2] == ['a', 'c']


def test_tracker_is_an_optimal_assignment_not_greedy():
    # bands of columns: greedy matching takes the best pair first (p0-q1, IoU 0.5) and leaves p1 with nothing (IoU 0
    # with q0); the optimal assignment matches p0-q0 and p1-q1 (IoU 1/3 each, more in total) and keeps both identities
    band = lambda a, b: np.stack([np.arange(10) >= a] * 2) & np.stack([np.arange(10) < b] * 2)
    q, p = np.stack([band(0, 1), band(1, 4)]), np.stack([band(0, 3), band(3, 4)])
    tr = track_instances([q, p], patience=0)
    assert list(map(int, tr.ids[1])) == [0, 1] and len(tr.rank) == 2


def test_read_write_round_trip(tmp_path):
    clip = random_clip(3, frames=5, size=32, n=2)
    frames, _ = render_clip(clip, 'A')
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t, f in enumerate(frames): iio.imwrite(folder / f'f{t}.png', f)
    got, names, fps = read_video(folder)
    assert (got == frames).all() and names == [f'f{t}' for t in range(5)] and fps is None
    for ext, fps in (('.mp4', 5.), ('.gif', 4.)):
        p = write_video(frames, tmp_path / f'clip{ext}', fps)
        got, names, got_fps = read_video(p)
        assert got.shape == frames.shape and names[:2] == ['00000', '00001'] and got_fps == fps
        assert np.abs(got.astype(int) - frames).mean() < 10          # lossy, within a few grey levels
    assert sorted(p.name for p in tmp_path.iterdir()) == ['clip.gif', 'clip.mp4', 'frames']


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken(path, frames, **kw):
        Path(path).write_bytes(b'half a video')
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(video.iio, 'imwrite', broken)
    with pytest.raises(OSError): write_video(np.zeros((2, 8, 8, 3), np.uint8), tmp_path / 'out.mp4')
    assert list(tmp_path.iterdir()) == []


def test_read_errors(tmp_path):
    (tmp_path / 'zero.mp4').write_bytes(b'')
    (tmp_path / 'junk.gif').write_bytes(b'GIF89a but nothing else')
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'mixed').mkdir()
    for name, side in (('a', 8), ('b', 12)):
        iio.imwrite(tmp_path / 'mixed' / f'{name}.png', np.zeros((side, side, 3), np.uint8))
    for path, msg in (('nowhere.mp4', 'does not exist'), ('zero.mp4', 'is empty (0 bytes)'),
                      ('junk.gif', 'cannot read video'), ('empty', 'holds no frames'), ('mixed', 'differ in size')):
        with pytest.raises((FileNotFoundError, video.InstaganError)) as e: read_video(tmp_path / path)
        assert msg in str(e.value) and path in str(e.value) and len(str(e.value).splitlines()) == 1, str(e.value)


@pytest.fixture(scope='module')
def clip_dir(tmp_path_factory):
    return write_clip(random_clip(2, frames=6), tmp_path_factory.mktemp('clip') / 'c')


def test_translate_with_a_mask_run(tmp_path, clip_dir):
    # the prediction path end to end, with the smoke mask run (seconds): every frame gets instances and a translation
    from instagan.masks import train_masks, mask_config
    with contextlib.redirect_stdout(io.StringIO()):
        mrun = train_masks(mask_config('smoke', out=str(tmp_path / 'mrun')), quiet=True)
    res = translate_video(RUN, clip_dir / 'testA.mp4', mask_run=mrun, out=tmp_path / 'o.mp4', frames=tmp_path / 'f')
    assert res.y.shape == (6, 3, 64, 64) and len(res.masks) == len(res.b) == len(res.tracks.ids) == 6
    assert all(m.shape == b.shape and m.shape[0] == len(i) for m, b, i in zip(res.masks, res.b, res.tracks.ids))
    assert read_video(tmp_path / 'o.mp4')[0].shape == (6, 64, 64, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['f', 'f_input', 'f_input_seg', 'f_seg', 'mrun', 'o.mp4']
    scores = clip_scores(res, json_clip(clip_dir))
    assert 0 <= scores['input_iou'] <= 1 and scores['flicker_ideal'] == 0


def json_clip(folder):
    return video.Clip(**json.loads((folder / 'clip.json').read_text())['clip'])


def test_order_of_steps_follows_the_tracks(clip_dir):
    # with one instance per step the translation depends on the order; translate_frames must use the tracks' order
    from instagan.runs import load_run
    G = load_run(RUN).model.generator('AB')
    masks = [np.stack([square(10, 10, 20, 64), square(30, 34, 18, 64)])]
    x = torch.zeros(1, 3, 64, 64)
    first, second = video.Tracks([np.array([0, 1])], {0: 0, 1: 1}), video.Tracks([np.array([0, 1])], {0: 1, 1: 0})
    y1, b1 = translate_frames(G, x, masks, first, ins_per=1)
    y2, b2 = translate_frames(G, x, masks, second, ins_per=1)
    assert not torch.allclose(y1, y2)                      # the order of the steps changes the translation ...
    y3, _ = translate_frames(G, x, masks, first, ins_per=None)
    y4, _ = translate_frames(G, x, masks, second, ins_per=None)
    assert torch.allclose(y3, y4, atol=1e-5)               # ... unless every instance goes in one step


def run_main(argv: list) -> tuple[int, str, str]:
    "`instagan ARGV` through the console entry point, in this process (no second start-up): status, stderr, stdout."
    from instagan.cli import main
    err, out, rc = io.StringIO(), io.StringIO(), 0
    old, sys.argv = sys.argv, ['instagan', *map(str, argv)]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out): main()
    except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
    finally: sys.argv = old
    return rc, err.getvalue(), out.getvalue()


def test_command_and_its_errors(tmp_path, clip_dir, monkeypatch):
    monkeypatch.delenv('INSTAGAN_DEBUG', raising=False)   # the one-line messages, not tracebacks
    (tmp_path / 'zero.mp4').write_bytes(b'')
    (tmp_path / 'junk.mp4').write_bytes(b'not a video')
    (tmp_path / 'taken.mp4').write_bytes(b'somebody else\'s file')
    base = ['translate-video', '--run', RUN, '--video', clip_dir / 'testA.mp4', '--masks', clip_dir / 'testA_seg']
    o = tmp_path / 'o'
    other = lambda name: base[:4] + [tmp_path / name] + base[5:] + ['--out', o / 'x.mp4']   # another --video
    cases = [  # (argv, exit status, words the one-line message must hold)
        (base + ['--out', o / 'ok.mp4', '--gif', o / 'ok.gif'], 0, ()),
        (base + ['--out', o / 'ok.mp4'], 1, ('--out', 'ok.mp4', 'exists', '--overwrite')),
        (base + ['--out', tmp_path / 'taken.mp4'], 1, ('taken.mp4', 'exists')),
        (base + ['--out', o / 'x.mp4', '--ins-per', '0'], 2, ('--ins-per must be at least 1',)),
        (base + ['--out', o / 'x.mp4', '--fps', '0'], 2, ('--fps',)),
        (base + ['--out', o / 'x.mp4', '--direction', 'XY'], 2, ('--direction',)),
        (base + ['--out', o / 'x.mp4', '--size', '30'], 2, ('--size',)),
        (base + ['--out', o / 'x.avi'], 2, ('x.avi', '.mp4 or .gif')),
        (base + ['--out', o / 'x.mp4', '--mask-run', tmp_path], 2, ('--mask-run', '--masks')),
        (base[:5] + ['--out', o / 'x.mp4'], 2, ('--mask-run', '--masks')),
        (['translate-video', '--video', clip_dir / 'testA.mp4'], 2, ('needs --run, --out',)),
        (base + ['--out', o / 'x.mp4', '--nonsense'], 2, ('unrecognized arguments',)),
        (other('nowhere.mp4'), 1, ('nowhere.mp4', 'does not exist')),
        (other('zero.mp4'), 1, ('zero.mp4', 'empty')),
        (other('junk.mp4'), 1, ('junk.mp4', 'cannot read video')),
        (base[:6] + [tmp_path / 'nomasks'] + ['--out', o / 'x.mp4'], 1, ('nomasks', 'not a folder')),
        (base[:5] + ['--mask-run', tmp_path / 'nomrun', '--out', o / 'x.mp4'], 1, ('nomrun',)),
    ]
    for argv, code, words in cases:
        rc, err, out = run_main(argv)
        assert rc == code, (argv, rc, err[-1500:])
        if code == 0:
            assert 'translated 6 frames' in out, out
            continue
        lines = [l for l in err.splitlines() if l.strip()]
        assert 'Traceback' not in err and len(lines) == 1, err
        assert lines[0].startswith('instagan translate-video: error: '), err
        for w in words: assert w in lines[0], (w, lines[0])
    assert sorted(p.name for p in o.iterdir()) == ['ok.gif', 'ok.mp4']     # refused commands wrote nothing
    assert (tmp_path / 'taken.mp4').read_bytes() == b'somebody else\'s file'
