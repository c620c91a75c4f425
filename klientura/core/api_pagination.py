"""Cursor pagination for API lists, on top of the keyset pages of core.pagination."""

from ninja import Schema

from .pagination import keyset_page


class CursorPageParams(Schema):
    cursor: str | None = None
    limit: int = 50


def cursor_page(queryset, *, ordering: list[str], params: CursorPageParams, serialize) -> dict:
    page = keyset_page(queryset, ordering=ordering, cursor=params.cursor, limit=params.limit)
    return {"items": [serialize(item) for item in page.items], "next_cursor": page.next_cursor}
