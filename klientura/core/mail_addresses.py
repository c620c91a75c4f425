"""Address lists as people type them into "To" and "Copy" fields."""


def split_addresses(text: str) -> list[str]:
    """Pieces between «,», «;» and line breaks, except inside a quoted name («"Петров, Пётр" <p@x.ru>»)."""
    pieces, current, quoted = [], [], False
    for char in text or "":
        if char == '"':
            quoted = not quoted
        if char in ",;\r\n" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]
