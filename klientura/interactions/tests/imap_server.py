"""A real IMAP server for tests: Dovecot on a free loopback port, in a temporary folder, for the session.

Use the `imap_server` fixture (session-scoped; it starts Dovecot once) and, in each test, a fresh folder
of its own so tests never see each other's mail:

    from klientura.interactions.tests import imap_server as imap

    imap_server = imap.imap_server  # the fixture; a plain import upsets ruff (F401/F811)

    def test_fetch(imap_server):
        box = imap_server.new_folder()
        box.append(raw_message_bytes)
        mailbox_fetch(box.url)

Dovecot (apt-get install -y dovecot-imapd) runs without its system service: as root it drops to the
`dovecot`/`dovenull` users; as an ordinary user it runs everything as that user.
"""

import getpass
import grp
import imaplib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
USER = "crm@klientura.test"
PASSWORD = "imap-test-secret"

# The text of /work/shared/testing/dovecot-loopback.conf, with the port, folder and users filled in.
CONFIG = """\
protocols = imap
listen = {host}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {internal_group}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={dir}/mail/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = {first_valid_uid}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _accounts() -> dict:
    """Who Dovecot's processes run as: its own users under root, else the user running the tests."""
    if os.geteuid() == 0:
        return {
            "internal_user": "dovecot",
            "login_user": "dovenull",
            "internal_group": "dovecot",
            "mail_user": "dovecot",
            "mail_group": "dovecot",
            "first_valid_uid": 100,
        }
    me = getpass.getuser()
    group = grp.getgrgid(os.getegid()).gr_name
    return {
        "internal_user": me,
        "login_user": me,
        "internal_group": group,
        "mail_user": me,
        "mail_group": group,
        "first_valid_uid": min(os.geteuid(), 100),
    }


class Folder:
    """One IMAP folder of the test user: its URL for the fetch, and ways to put mail into it."""

    def __init__(self, server: "ImapServer", name: str):
        self.server = server
        self.name = name

    @property
    def url(self) -> str:
        return (
            f"imap://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@{HOST}:{self.server.port}/{self.name}"
        )

    def append(self, raw: bytes) -> None:
        with self.server.connect() as conn:
            status, detail = conn.append(self.name, None, None, raw)
            assert status == "OK", detail

    def recreate(self) -> None:
        """Delete the folder and make it anew: the server gives it a new UIDVALIDITY."""
        with self.server.connect() as conn:
            conn.delete(self.name)
            status, detail = conn.create(self.name)
            assert status == "OK", detail

    def uidvalidity(self) -> int:
        with self.server.connect() as conn:
            _status, data = conn.status(self.name, "(UIDVALIDITY)")
            return int(data[0].split(b"UIDVALIDITY")[1].strip(b" ()"))

    def flags(self) -> list[bytes]:
        """The flags of every message, to check the fetch left the mail unread and in place."""
        with self.server.connect() as conn:
            conn.select(self.name, readonly=True)
            _status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            return [item for item in data if item]


class ImapServer:
    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kl-imap-"))
        self._names = itertools.count(1)

    def start(self) -> "ImapServer":
        accounts = _accounts()
        mail = self.dir / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)  # noqa: S103 — the dovecot user must reach its mail folder
            shutil.chown(mail, user=accounts["mail_user"], group=accounts["mail_group"])
        (self.dir / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        config = self.dir / "dovecot.conf"
        config.write_text(CONFIG.format(host=HOST, port=self.port, dir=self.dir, **accounts))
        self.config = config
        # Dovecot forks into the background: its output goes to a file, or a pipe would never close.
        with open(self.dir / "start.log", "wb") as out:
            subprocess.run([DOVECOT, "-c", str(config)], check=True, stdout=out, stderr=out, timeout=30)
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        log = (
            (self.dir / "dovecot.log").read_text(errors="replace")
            if (self.dir / "dovecot.log").exists()
            else ""
        )
        raise RuntimeError(f"Dovecot did not start on {HOST}:{self.port}:\n{log}")

    def stop(self) -> None:
        subprocess.run(
            [DOVECOT, "-c", str(self.config), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(HOST, self.port, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def new_folder(self) -> Folder:
        name = f"T{os.getpid()}x{next(self._names)}"
        with self.connect() as conn:
            status, detail = conn.create(name)
            assert status == "OK", detail
        return Folder(self, name)

    @property
    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="session")
def imap_server():
    if not Path(DOVECOT).exists():
        pytest.fail(f"{DOVECOT} is not installed (apt-get install -y dovecot-imapd)")
    server = ImapServer().start()
    try:
        yield server
    finally:
        server.stop()
