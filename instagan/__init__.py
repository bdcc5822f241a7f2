"InstaGAN, notebook-first: the modules are exported from `nbs/`; this file is not (nbdev leaves it as it is)."
import warnings as _warnings
# fastai's import calls `torch.jit.script`, which torch >= 2.9 reports with a FutureWarning: every command and the first
# cell of every notebook printed it (a pink block in Jupyter). It is fastai's concern, not the user's: this one warning
# is silenced here, where the package starts, before any instagan module imports fastai.
_warnings.filterwarnings('ignore', message=r'`torch.jit.script` is deprecated', category=FutureWarning)
__version__ = "0.0.1"
