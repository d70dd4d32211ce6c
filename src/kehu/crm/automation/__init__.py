"""Automation: rules that act on what the CRM and the analysis know.

Its place in the flow (``docs/ARCHITECTURE.md``)::

    an event (an order placed, a ticket opened, an analysis run finished: a customer
    now at risk of churning) -> a rule's condition -> its action (a task for the
    owner, a customer added to a campaign's target list, a ticket escalated)

A rule's actions go through the owning app's ``actions.py`` (``sales.actions``,
``service.actions``, ``marketing``'s), so that the workflow rules and side effects
of a change made by a rule are those of the same change made by hand.

It will hold the ``Rule`` model (its trigger, condition and action) and the runner
that evaluates rules after each write-back. Until then it is wired but empty: it
declares its URL prefix, API router and the administrator's grant in ``apps.py``,
and shows no menu entry (nothing to open yet). It sits in the layer above marketing
(and below the screens): it may call the actions of every app below it; only the
screens import it. It hears that an analysis run finished through
``kehu.crm.intelligence.signals.run_finished``.
"""
