"""Real-browser tests (`pytest --flags browser`): the docs site and the SequentialViewer in JupyterLab, in Chromium driven
by Playwright. Install: `pip install playwright` (in `.[dev]`) and Debian's browser, `apt-get update && apt-get install -y
chromium` (no `playwright install`; INSTAGAN_CHROMIUM names another executable)."""
import functools, http.server, json, os, re, secrets, shutil, socket, subprocess, sys, threading, time
from pathlib import Path
import pytest

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("INSTAGAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

@pytest.fixture(scope="module")
def browser():
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.skip("needs Playwright for Python: pip install playwright (or pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs a Chromium: apt-get update && apt-get install -y chromium (or set INSTAGAN_CHROMIUM to one)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()

def _serve(folder):
    h = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(folder))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv

def test_docs_site(site, browser):
    "Every page loads with no console error, every image loads, and the math is typeset by MathJax."
    out, summary = site
    pages = [r["page"] for r in summary["notebooks"].values() if r["error"] is None]
    srv = _serve(out); typeset = {}
    try:
        for name in pages:
            pg, errors = browser.new_page(), []
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"http://127.0.0.1:{srv.server_port}/{name}", wait_until="load")
            pg.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running",
                                 timeout=60_000)
            pg.wait_for_timeout(300)
            broken = pg.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 60))")
            typeset[name] = pg.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")
            raw = pg.evaluate(r"Array.from(document.querySelectorAll('.jp-MarkdownOutput')).some(e => /\$[^$\s][^$]*\$/.test(e.innerText))")
            assert not errors, f"{name}: console errors {errors}"
            assert not broken, f"{name}: images that did not load {broken}"
            assert not raw, f"{name}: TeX left untypeset"
            pg.close()
    finally: srv.shutdown()
    assert sum(typeset.values()) > 0, typeset
    for name in ("04_losses.html", "05_sequential.html"):
        if name in typeset: assert typeset[name] > 0, f"{name}: no MathJax output"

NOTEBOOK = {"cells": [
    {"cell_type": "code", "id": "train", "metadata": {}, "outputs": [], "execution_count": None, "source":
     "from instagan.runs import train, make_config\nrun = train(make_config('smoke', out='run'), quiet=True)"},
    {"cell_type": "code", "id": "viewer", "metadata": {}, "outputs": [], "execution_count": None, "source":
     "from instagan.widgets import SequentialViewer\nv = SequentialViewer(run, ins_per=1)\n"
     "v.sample.value = max(range(v.sample.max + 1), key=lambda i: v._item('testA', i)[1].shape[0])\nv"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "JupyterLab on loopback, in a folder holding the viewer notebook; yields its URL with the token."
    root = tmp_path_factory.mktemp("lab"); (root / "viewer.ipynb").write_text(json.dumps(NOTEBOOK))
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"; settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".ws")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"] + (["--allow-root"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 120:
        try: socket.create_connection(("127.0.0.1", port), 1).close(); break
        except OSError: time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/lab/tree/viewer.ipynb?token={token}"
    proc.terminate(); proc.wait(30)

def test_viewer_in_jupyterlab(lab, browser):
    "Run All, then each control changes the picture with no traceback; labels whole and beside their controls; End reaches the new maximum."
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        pg.goto(lab)
        pg.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-NotebookPanel')", timeout=120_000)
        kernel_idle = """() => { const k = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
                                 return k && k.connectionStatus === 'connected' && k.status === 'idle' }"""
        pg.wait_for_function(kernel_idle, timeout=120_000)
        pg.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")  # as the Run menu's "Run All Cells"
        pg.wait_for_function("() => /\\[[*0-9]/.test(document.querySelector('.jp-InputPrompt')?.innerText || '')", timeout=60_000)
        img = pg.locator(".jp-OutputArea img.widget-image")
        img.wait_for(timeout=300_000)
        area = pg.locator(".jp-Notebook")
        def changes(action, what):
            before = img.get_attribute("src"); t0 = time.perf_counter(); action()
            pg.wait_for_function("b => { const i = document.querySelector('.jp-OutputArea img.widget-image'); return i && i.src !== b }",
                                 arg=before, timeout=60_000)
            return round((time.perf_counter() - t0) * 1000)
        slider = lambda label: pg.locator(".widget-slider", has=pg.locator("label", has_text=label))
        step = lambda: slider("step m").locator(".noUi-handle").first
        readout = lambda: int(slider("step m").locator(".widget-readout").inner_text())
        ms = {}
        step().focus(); ms["step slider"] = changes(lambda: pg.keyboard.press("ArrowRight"), "step"); assert readout() == 2
        box = pg.locator(".widget-checkbox input[type=checkbox]").first
        ms["uncheck an instance"] = changes(lambda: box.uncheck(), "instance")
        ms["re-check it"] = changes(lambda: box.check(), "instance")
        n = pg.locator(".widget-checkbox input[type=checkbox]").count()
        step_js = "[...document.querySelectorAll('.widget-slider')].find(s => /step m/.test(s.innerText))"
        # the re-check's picture can arrive before the slider's new range: wait for the range, then for the readout
        pg.wait_for_function(f"n => +{step_js}?.querySelector('.noUi-handle')?.getAttribute('aria-valuemax') === n", arg=n, timeout=10_000)
        step().focus(); pg.keyboard.press("End")
        try: pg.wait_for_function(f"n => +{step_js}?.querySelector('.widget-readout')?.innerText === n", arg=n, timeout=5_000)
        except Exception: pass  # the assertion below names what happened
        assert readout() == n, f"End key went to step {readout()}, not the new maximum {n}"
        ms["compare one-step"] = changes(lambda: pg.get_by_role("button", name=re.compile("compare one-step")).click(), "compare")
        ms["direction"] = changes(lambda: pg.get_by_role("button", name="B→A").click(), "direction")
        # labels: the compare button shows its whole text, "direction" sits beside its buttons
        cmp = pg.get_by_role("button", name=re.compile("compare one-step"))
        assert cmp.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), "the compare button's label is cut off"
        lab_box = pg.locator(".widget-toggle-buttons .widget-label").first.bounding_box()
        btn_box = pg.get_by_role("button", name="A→B").bounding_box()
        assert abs((lab_box["y"] + lab_box["height"] / 2) - (btn_box["y"] + btn_box["height"] / 2)) < 10, (lab_box, btn_box)
        # the picture is shown at the width it is drawn
        w = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
        assert abs(w[0] - w[1]) <= 1, w
        text = area.inner_text()
        assert "Traceback" not in text and "Error" not in text, text[-2000:]
        print("widget latencies (ms):", json.dumps(ms))
    except Exception:
        shot = Path(os.environ.get("INSTAGAN_SHOTS", "/tmp")) / "viewer-failure.png"; pg.screenshot(path=str(shot))
        print(f"screenshot of the failure: {shot}"); raise
    finally: pg.close()
