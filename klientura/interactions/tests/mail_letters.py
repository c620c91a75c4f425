"""Letters for the mail tests, as the bytes a mail server holds."""

import email.utils
from email.message import EmailMessage


def letter(
    *,
    sender: str = "Иванов Иван <ivanov@romashka.test>",
    to: str = "crm@klientura.test",
    subject: str = "Вопрос по заказу",
    body: str = "Добрый день! Когда отгрузка?",
    message_id: str | None = "",
    in_reply_to: str = "",
    references: str = "",
    date: str = "Tue, 05 May 2026 10:15:00 +0300",
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    html: str = "",
) -> bytes:
    """A well-formed letter; `message_id=None` leaves the Message-ID header out."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = date
    if message_id is not None:
        msg["Message-ID"] = message_id or email.utils.make_msgid(domain="romashka.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    if html:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for name, content, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


# A letter as a careless mail program writes it: a charset nobody knows, raw bytes that are not UTF-8
# in the headers, and a body that is neither in the declared charset nor in any other.
BROKEN = (
    b"From: =?x-no-such-charset?B?0JjQstCw0L0=?= <broken@romashka.test>\r\n"
    b"To: crm@klientura.test\r\n"
    b"Subject: =?utf-8?B?0J/RgNC40LLQtdGC?= \xd0\x9f\xd1\x80\xff\xfe =?bogus?Q?=F0=D2?=\r\n"
    b"Date: Tue, 05 May 2026 10:15:00 +0300\r\n"
    b"Message-ID: <broken-1@romashka.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/plain; charset="x-no-such-charset"\r\n'
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"\xd0\x94\xd0\xbe\xd0\xb1\xd1\x80\xd1\x8b\xd0\xb9 \xff\xfe\xfd \xd0\xb4\xd0\xb5\xd0\xbd\xd1\x8c\r\n"
)
