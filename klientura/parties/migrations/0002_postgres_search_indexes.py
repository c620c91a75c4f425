"""Trigram and pattern indexes for search and fuzzy duplicates. PostgreSQL only: SQLite has no
pg_trgm, and there the duplicate check uses rapidfuzz over a prefiltered candidate set."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS partner_name_trgm ON parties_partner USING gin (name_normalized gin_trgm_ops)",
    # Django spells icontains as UPPER(col::text) LIKE UPPER(%s) on PostgreSQL: index that expression.
    "CREATE INDEX IF NOT EXISTS contact_fullname_trgm ON parties_contactperson "
    "USING gin (upper(full_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS counterparty_inn_pattern ON parties_counterparty (inn varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS contactinfo_normalized_pattern "
    "ON parties_contactinfo (kind, normalized varchar_pattern_ops)",
    # Searching by the last digits of a phone is a prefix scan of the reversed number.
    "CREATE INDEX IF NOT EXISTS contactinfo_phone_reverse ON parties_contactinfo "
    "(reverse(normalized) text_pattern_ops) WHERE kind = 'phone'",
]
DROP = ["partner_name_trgm", "contact_fullname_trgm", "counterparty_inn_pattern",
        "contactinfo_normalized_pattern", "contactinfo_phone_reverse"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DROP:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("parties", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
