"""What the marketing app does when other apps tell it something: after each analysis
run, it learns from the campaigns so far (:mod:`kehu.crm.marketing.learning`)."""

from kehu.crm.intelligence.signals import run_finished


def connect() -> None:
    from kehu.crm.marketing.learning import on_run_finished

    run_finished.connect(on_run_finished, dispatch_uid="kehu.marketing.learn")
