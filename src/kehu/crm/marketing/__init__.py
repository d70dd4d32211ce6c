"""Marketing: campaigns and their target lists.

Its place in the flow (``docs/ARCHITECTURE.md``)::

    integration -> customers, sales, service, engagement -> intelligence (scores,
    segments, churn risk) -> marketing (campaigns) -> engagement (the interactions a
    campaign sends) -> the next analysis

A campaign picks its target list from what the analysis wrote back (a value tier, a
segment, customers at risk of churning, those who have given consent for the channel),
freezes it as a list of customers, and records each contact made as an engagement
interaction, so that the next analysis sees which customers responded.

It will hold the ``Campaign`` and ``TargetList`` models with their ``actions.py``,
``queries.py``, views and API. Until then it is wired but empty: it declares its URL
prefix, API router and the administrator's grant in ``apps.py``, and shows no menu
entry (a menu entry that opens an empty page is a dead end; the entry arrives with
the first screen). It sits in the layer above the analysis and imports: it may read
customers, sales, service, engagement and the scores; only automation and the screens
import it. The analysis tells it that a run finished through
``kehu.crm.intelligence.signals.run_finished``.
"""
