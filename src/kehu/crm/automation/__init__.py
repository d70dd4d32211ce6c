"""Automation: rules that act on what the CRM and the analysis know.

Its place in the flow (``docs/ARCHITECTURE.md``)::

    an event (an analysis run finished: a customer now at risk of churning; a ticket
    opened; an order shipped; a schedule's hour) -> a rule's conditions (the customer
    list's filters) -> its actions (a task for the owner, a tag, a ticket escalated, a
    notification, a campaign enrolment)

- ``models.py``: ``Rule`` (trigger, conditions and actions as JSON), ``RuleRun`` (the
  execution log), ``RuleHit`` (a customer acted on for an event: unique, so never
  twice), ``Notification``.
- ``triggers.py``: who each trigger finds, set-based, with the event's key and the reason;
  ``queries.py``: the conditions (``customers.queries.filtered_customers``) and the
  pages' reads; ``effects.py``: each kind of action, done through the owning app's
  ``actions.py`` (``sales``, ``customers``, ``service``, ``marketing``), so that a change
  a rule makes is the same as the change made by hand; ``actions.py``: rules, runs,
  notifications (every write of this app).
- ``receivers.py``: ``intelligence.signals.run_finished`` runs the enabled "after each
  analysis run" rules; ``post_migrate`` creates the ready-made rules (``ready_made.py``).
- ``kehu rules`` (``kehu.cli.rules``) and the ``kehu scheduler`` loop sweep the rules on
  records and on a schedule.

It sits in the layer above marketing (and below the screens): it may call the actions
of every app below it; only the screens import it (the home page's unread count).
"""
