"""Browser constants; the fixtures (`chromium`, `new_page`) live in the root conftest so that every
app's browser tests share one Chromium per session (two Playwright instances cannot run at once)."""

from klientura.web.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE  # noqa: F401
