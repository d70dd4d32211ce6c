"""After each analysis run (``intelligence.signals.run_finished``), the programme's
periodic work runs: new orders earn, returns and cancellations are reversed, old points
expire, and members move to the level of their new value tier. A scheduled analysis
(``kehu serve`` with its scheduler) so keeps the ledger current; ``kehu loyalty run``
does the same by hand."""

from __future__ import annotations

import logging

from kehu.crm.intelligence.signals import run_finished

logger = logging.getLogger(__name__)


def after_analysis(sender: type, **kwargs: object) -> None:
    from kehu.crm.loyalty.actions import run

    result = run()
    logger.info("loyalty after the analysis run: %s", result)


def connect() -> None:
    run_finished.connect(after_analysis, dispatch_uid="kehu.loyalty.after_analysis")
