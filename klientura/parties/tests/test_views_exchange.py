"""The import, export and vCard pages: thin views over imports*.py, contacts_vcard.py and exports.py."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from klientura.accounts import roles
from klientura.parties.inputs import PartnerInput
from klientura.parties.models import ContactPerson, Partner
from klientura.parties.services import partner_register
from klientura.parties.views_exchange import SESSION_UPLOADS

CSV_LINES = [
    "Наименование;ИНН;Телефон;E-mail",
    "Альфа;7707083893;+7 495 000-00-01;alpha@example.com",
    "Бета;7707083894;+7 495 000-00-02;",
    "Гамма;;12-34;",
    "Дубль;;+7 (495) 123-45-67;",
]
VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Смирнова;Ольга;;;\r\nFN:Смирнова Ольга\r\nTITLE:Бухгалтер\r\n"
    "TEL;TYPE=CELL:+7 912 345-67-89\r\nEMAIL;TYPE=INTERNET:olga@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Орлов Пётр\r\nTEL:8 (495) 111-22-33\r\nEND:VCARD\r\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list[Path]:
    folder = media / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def csv_file(lines=CSV_LINES, name="clients.csv", encoding="cp1251"):
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding))


def in_russian(message: str) -> str:
    """The message as the page shows it: Russian by default, HTML-escaped."""
    with translation.override("ru"):
        return escape(gettext(message))


@pytest.fixture
def manager(make_user, client):
    user = make_user(roles.SALES_MANAGER)
    client.force_login(user)
    return user


def upload(client, file):
    return client.post(reverse("parties:import_upload"), {"file": file})


def token_of(response) -> str:
    return re.search(r"/clients/import/([\w-]+)/", response["Location"]).group(1)


# ------------------------------------------------------------------------------------- import


@pytest.mark.django_db
def test_upload_preview_confirm_and_result(client, manager, media):
    partner_register(actor=manager, data=PartnerInput(name="Старый", phones=["+74951234567"]))
    assert client.get(reverse("parties:import_upload")).status_code == 200

    response = upload(client, csv_file())
    assert response.status_code == 302
    token = token_of(response)
    assert [p.name for p in stored_files(media)] == [f"{token}.csv"]

    page = client.get(reverse("parties:import_preview", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'data-count="ok">1<' in html
        and 'data-count="duplicate">1<' in html
        and 'data-count="error">2<' in html
    )
    assert 'data-row="3" data-status="error"' in html and 'data-row="5" data-status="duplicate"' in html
    assert in_russian("Enter a valid phone number, for example +7 912 345-67-89.") in html
    assert 'name="accept" value="5"' in html

    mapping = {f"col_{i}": key for i, key in enumerate(["name", "inn", "phone", "email"])}
    response = client.post(reverse("parties:import_confirm", args=[token]), {**mapping, "accept": ["5"]})
    assert response.status_code == 302 and response["Location"] == reverse("parties:import_result")
    assert sorted(Partner.objects.values_list("name", flat=True)) == ["Альфа", "Дубль", "Старый"]
    assert stored_files(media) == []  # deleted once imported
    assert token not in client.session.get(SESSION_UPLOADS, {})

    result = client.get(reverse("parties:import_result"))
    assert result.status_code == 200
    html = result.content.decode()
    assert 'data-row="3"' in html and 'data-row="4"' in html
    assert 'data-testid="import-done"' in html
    assert "2" in re.search(r'data-testid="import-done">(.*?)</div>', html, re.S).group(1)


@pytest.mark.django_db
def test_preview_with_the_name_column_unmapped_shows_the_error_in_russian(client, manager):
    token = token_of(upload(client, csv_file()))
    page = client.get(reverse("parties:import_preview", args=[token]), {"col_0": "", "col_1": "inn"})
    assert page.status_code == 200
    assert in_russian("Choose the column that holds the client's name.") in page.content.decode()
    client.cookies["klientura_language"] = "en"
    page = client.get(reverse("parties:import_preview", args=[token]), {"col_0": "", "col_1": "inn"})
    assert escape("Choose the column that holds the client's name.") in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "clients.csv",
            b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 40,
            "The file is not a CSV text file.",
        ),
        (
            "clients.xlsx",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100,
            "The file is not an Excel workbook",
        ),
        ("clients.txt", b"Name\r\nA", "Only .csv and .xlsx files can be imported."),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_not_kept(
    client, manager, media, name, content, message
):
    response = upload(client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    client.cookies["klientura_language"] = "en"
    response = upload(client, SimpleUploadedFile(name, content))
    assert escape(message) in response.content.decode()
    assert stored_files(media) == []
    assert not client.session.get(SESSION_UPLOADS)


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_unread(client, manager, media):
    big = SimpleUploadedFile("clients.csv", b"Name;INN\r\n" + b"x" * (50 * 1024 * 1024))
    response = upload(client, big)
    assert response.status_code == 413
    with translation.override("ru"):
        expected = gettext("The file is too large; at most %(limit)s MB may be uploaded.") % {"limit": 20}
    assert escape(expected) in response.content.decode()
    assert stored_files(media) == []
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_a_token_is_bound_to_the_session_of_its_uploader(client, manager, make_user, media):
    token = token_of(upload(client, csv_file()))
    other = make_user(roles.SALES_MANAGER)
    client.force_login(other)
    response = client.get(reverse("parties:import_preview", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse("parties:import_upload")
    response = client.post(reverse("parties:import_confirm", args=[token]), {"col_0": "name"})
    assert response.status_code == 302
    assert not Partner.objects.exists()
    assert client.get(reverse("parties:import_preview", args=["..%2F..%2Fsettings"])).status_code == 302


@pytest.mark.django_db
def test_import_pages_need_the_import_permission(client, make_user):
    client.force_login(make_user(roles.MARKETER))
    assert client.get(reverse("parties:import_upload")).status_code == 403
    assert upload(client, csv_file()).status_code == 403


@pytest.mark.django_db
def test_xlsx_upload_works_through_the_pages(client, manager):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Phone"])
    workbook.active.append(["Вектор", "+7 495 222-33-44"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = token_of(upload(client, SimpleUploadedFile("book.xlsx", buffer.getvalue())))
    assert client.get(reverse("parties:import_preview", args=[token])).status_code == 200
    response = client.post(
        reverse("parties:import_confirm", args=[token]), {"col_0": "name", "col_1": "phone"}
    )
    assert response.status_code == 302
    assert Partner.objects.get().main_phone == "+7 495 222-33-44"


# ------------------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_export_downloads_csv_and_xlsx_with_the_list_filters(client, manager, make_partner):
    make_partner(name="Свой", manager=manager)
    make_partner(name="Поставщик", manager=manager, kind="supplier")
    response = client.get(reverse("parties:export_partners"), {"format": "csv", "kind": "supplier"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert "Поставщик" in body and "Свой" not in body
    response = client.get(reverse("parties:export_partners"), {"format": "xlsx"})
    assert response.status_code == 200 and response.content.startswith(b"PK")
    response = client.get(reverse("parties:export_partners"), {"format": "exe"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_export_needs_the_permission(client, make_user):
    client.force_login(make_user(None))
    assert client.get(reverse("parties:export_partners"), {"format": "csv"}).status_code == 403


@pytest.mark.django_db
def test_vcard_export_of_a_partner_and_of_the_list(client, manager, make_partner, make_user):
    own = make_partner(name="Свой", manager=manager)
    person = ContactPerson.objects.create(full_name="Иванов Иван", last_name="Иванов", first_name="Иван")
    person.partners.add(own)
    hidden = make_partner(name="Чужой", manager=make_user(roles.SALES_MANAGER))
    response = client.get(reverse("parties:vcard_export"), {"partner": own.pk, "version": "4.0"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vcard")
    assert b"VERSION:4.0" in response.content and "Иванов Иван".encode() in response.content
    assert b"VERSION:3.0" in client.get(reverse("parties:vcard_export")).content
    assert client.get(reverse("parties:vcard_export"), {"partner": hidden.pk}).status_code == 404


# ------------------------------------------------------------------------------------- vCard import


@pytest.mark.django_db
def test_vcard_import_attaches_contacts_to_the_partner(client, manager, make_partner, media):
    partner = make_partner(manager=manager)
    page = client.get(reverse("parties:vcard_import"), {"partner": partner.pk})
    assert page.status_code == 200 and escape(partner.name) in page.content.decode()
    response = client.post(
        reverse("parties:vcard_import"),
        {"partner": partner.pk, "file": SimpleUploadedFile("people.vcf", VCARD.encode())},
    )
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    assert page.status_code == 200
    assert "Смирнова Ольга" in page.content.decode() and "Орлов Пётр" in page.content.decode()

    response = client.post(preview_url, {"card": ["1", "2"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("parties:partner_card", args=[partner.pk]) + "?tab=contacts"
    olga = partner.contacts.get(full_name="Смирнова Ольга")
    assert olga.position == "Бухгалтер"
    assert sorted(olga.contact_infos.values_list("normalized", flat=True)) == [
        "+79123456789",
        "olga@example.com",
    ]
    assert partner.contacts.get(full_name="Орлов Пётр").contact_infos.get().normalized == "+74951112233"
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_manager_cannot_import_into_an_invisible_partner(client, manager, make_partner, make_user, media):
    hidden = make_partner(manager=make_user(roles.SALES_MANAGER))
    assert client.get(reverse("parties:vcard_import"), {"partner": hidden.pk}).status_code == 404
    response = client.post(
        reverse("parties:vcard_import"),
        {"partner": hidden.pk, "file": SimpleUploadedFile("people.vcf", VCARD.encode())},
    )
    assert response.status_code == 404
    assert stored_files(media) == []
    assert not ContactPerson.objects.exists()


@pytest.mark.django_db
def test_vcard_upload_that_is_not_a_vcard_is_refused(client, manager, make_partner, media):
    partner = make_partner(manager=manager)
    response = client.post(
        reverse("parties:vcard_import"),
        {"partner": partner.pk, "file": SimpleUploadedFile("people.vcf", b"just some text")},
    )
    assert response.status_code == 400
    assert in_russian("No contact could be read from the file.") in response.content.decode()
    response = client.post(
        reverse("parties:vcard_import"),
        {"partner": partner.pk, "file": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x00\x00")},
    )
    assert response.status_code == 400
    assert stored_files(media) == []
