# The letter an invoice goes out with until the administrator writes their own. The texts are frozen
# here (not imported from the app), as a migration must keep doing what it did when it was written.

from django.db import migrations

TEMPLATE = {
    "name": "Счёт на оплату",
    "subject": "Счёт № {number} от {date}",
    "greeting": "Здравствуйте!",
    "body": "Направляем Вам счёт на оплату № {number} от {date} на сумму {amount}. Счёт во вложении.",
    "signature": "С уважением,\n{manager}\n{organization}",
}


def create_default(apps, schema_editor):
    LetterTemplate = apps.get_model("sales", "LetterTemplate")
    if LetterTemplate.objects.filter(name=TEMPLATE["name"], subject=TEMPLATE["subject"]).exists():
        return
    LetterTemplate.objects.create(**TEMPLATE, is_default=True)


def delete_default(apps, schema_editor):
    LetterTemplate = apps.get_model("sales", "LetterTemplate")
    LetterTemplate.objects.filter(name=TEMPLATE["name"], subject=TEMPLATE["subject"], is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create_default, delete_default)]
