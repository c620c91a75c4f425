"""Reading letters in the shapes mail programs really send: nothing raises, nothing readable is lost."""

import datetime
from email.message import EmailMessage

from ..mail_parse import decode_bytes, decode_header, display_address, html_to_text, parse_message
from .mail_letters import BROKEN, letter

LIMIT = 1000


def test_a_plain_letter():
    parsed = parse_message(
        letter(message_id="<a@x>", in_reply_to="<p@y>", references="<r@y> <p@y>"), max_attachment_bytes=LIMIT
    )

    assert (parsed.message_id, parsed.subject) == ("<a@x>", "Вопрос по заказу")
    assert (parsed.from_name, parsed.from_address) == ("Иванов Иван", "ivanov@romashka.test")
    assert parsed.date == datetime.datetime(2026, 5, 5, 7, 15, tzinfo=datetime.UTC)
    assert parsed.thread_ids == ["<p@y>", "<r@y>"]
    assert parsed.text.strip() == "Добрый день! Когда отгрузка?"


def test_broken_charsets_and_bytes_become_replacement_characters():
    parsed = parse_message(BROKEN, max_attachment_bytes=LIMIT)

    assert parsed.subject.startswith("Привет Пр\ufffd\ufffd")
    assert parsed.from_name == "Иван"  # an unknown charset is read as UTF-8
    assert parsed.text.strip() == "Добрый \ufffd\ufffd\ufffd день"


def test_headers_and_bodies_never_raise():
    for raw in [b"", b"\x00\xff", b"Subject: =?utf-8?Q?unterminated\r\n\r\n", b"Date: 32 Foo 99999\r\n\r\nx"]:
        parsed = parse_message(raw, max_attachment_bytes=LIMIT)
        assert parsed.message_id.endswith("@synthetic.klientura>")
        assert parsed.date is None


def test_the_synthetic_id_is_the_same_for_the_same_bytes():
    raw = letter(message_id=None)

    assert (
        parse_message(raw, max_attachment_bytes=LIMIT).message_id
        == parse_message(raw, max_attachment_bytes=LIMIT).message_id
    )


def test_a_date_far_in_the_future_is_not_believed():
    parsed = parse_message(letter(date="Tue, 05 May 2099 10:15:00 +0300"), max_attachment_bytes=LIMIT)

    assert parsed.date is None


def test_attachments_with_encoded_names_big_ones_listed_without_content():
    msg = EmailMessage()
    msg["From"] = "a@x.ru"
    msg["Subject"] = "files"
    msg.set_content("see files")
    msg.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="Счёт № 5.pdf")
    msg.add_attachment(b"x" * (LIMIT + 1), maintype="application", subtype="zip", filename="../../big.zip")
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("inner text")
    msg.add_attachment(inner)

    parsed = parse_message(msg.as_bytes(), max_attachment_bytes=LIMIT)

    assert parsed.text.strip() == "see files"
    names = [(a.name, a.size, a.payload is not None) for a in parsed.attachments]
    assert names[:2] == [("Счёт № 5.pdf", 4, True), ("big.zip", LIMIT + 1, False)]
    assert names[2][0].endswith(".eml") and b"inner text" in parsed.attachments[2].payload
    assert parsed.skipped_attachments == [{"name": "big.zip", "size": LIMIT + 1}]


def test_html_is_read_as_text_with_links():
    text = html_to_text(
        "<html><head><title>t</title><script>alert(1)</script></head>"
        "<body><h1>Цены</h1><p>См. <a href='https://x.ru/p'>прайс</a>&nbsp;ниже</p><br>Итого</body></html>"
    )

    assert text == "Цены\n\nСм. прайс (https://x.ru/p) ниже\n\nИтого"


def test_small_pieces():
    assert decode_bytes(b"\xcf\xf0\xe8", "windows-1251") == "При"
    assert decode_bytes(b"\xcf", "no-such") == "\ufffd"
    assert decode_header("=?koi8-r?B?8NLJ?= plain") == "При plain"
    assert display_address("Петров, Пётр", "p@x.ru") == '"Петров, Пётр" <p@x.ru>'
    assert display_address("", "p@x.ru") == "p@x.ru"
