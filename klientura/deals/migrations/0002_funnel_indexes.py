"""An index for the sales funnel's totals (deals.funnel_sql): the deals of a kind created in a
period are their first moves, found here without reading the other moves. PostgreSQL only, like
parties' search indexes; SQLite's demo-sized tables do not need it.
"""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS stagechange_created ON deals_dealstagechange "
    "(kind_id, changed_at) INCLUDE (deal_id, manager_id) WHERE from_status = ''",
]
DROP = ["stagechange_created"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DROP:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
