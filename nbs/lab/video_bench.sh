#!/bin/sh
# Re-measure the video lesson's numbers (notebook 12c): run from anywhere, alone on the machine for the timings.
# Uses 2 torch threads unless OMP_NUM_THREADS says otherwise; options: --clips N --frames T --mask-run DIR --skip-tables
cd "$(dirname "$0")/../.." || exit 1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" MPLBACKEND=Agg PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec python nbs/lab/video_bench.py "$@"
