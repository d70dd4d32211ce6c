"""Marketing: campaigns and their target lists.

Its place in the flow (``docs/ARCHITECTURE.md``)::

    customers, sales, service, engagement -> intelligence (scores, segments, churn
    risk, next-best products) -> marketing (target lists, campaigns, messages) ->
    orders and replies in each campaign's window -> the next analysis run, after which
    marketing learns whom campaigns move (``learning.py``)

- ``models.py``: target lists, campaigns, their members (the group each is in, the
  message sent, what came of it), the suppression list, response scores.
- ``actions.py``: every write: target lists, campaigns, enrolment with the control
  group, unsubscribes, opens and clicks, outcomes in the window.
- ``messages.py``: a member's personal message; ``sending.py``: the resumable send;
  ``sms.py``: the SMS gateways; ``tracking.py`` and ``tokens.py``: the signed links a
  recipient follows; ``results.py``: uplift against the control group;
  ``learning.py``: the response and uplift models after each analysis run.

It sits in the layer above the analysis and imports: it may read customers, sales,
service, engagement and the scores; only automation and the screens import it. The
analysis tells it that a run finished through
``kehu.crm.intelligence.signals.run_finished``.
"""
