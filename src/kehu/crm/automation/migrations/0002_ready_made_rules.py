"""Once the ready-made rules' data migration; they are now created after every migrate
by kehu.crm.automation.actions.ensure_ready_made_rules (post_migrate), which also gives
them back to a test database flushed between tests. Kept, empty, so that databases
that applied it and those that did not have the same history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = []
