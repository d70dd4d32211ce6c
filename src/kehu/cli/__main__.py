"""``python -m kehu.cli``: the ``kehu`` command where its script is not on the PATH (the
scheduler and background imports start it so, with the same Python)."""

from kehu.cli import main

main()
