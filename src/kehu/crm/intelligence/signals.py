"""What the analysis tells the apps above it, which it may not import: marketing learns
from past campaigns' outcomes and automation fires its "after the analysis" rules when
a run has written its scores back."""

from django.dispatch import Signal

# sent with ``run`` (the ValueRun, done) once the scores of every customer are current
run_finished = Signal()
