"""Read a table of a page as the reader sees it: rows of cell texts (stdlib parser)."""

from __future__ import annotations

from html.parser import HTMLParser


class _TableReader(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # tables open inside the wanted one (0: outside it)
        self.rows: list[list[str]] = []
        self.links: list[tuple[str, str]] = []  # (text, href) of links in the table
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and (self.depth or found.get("id") == self.table_id):
            self.depth += 1
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._href, self._link_text = found.get("href"), []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._link_text).split()), self._href))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self.depth and self._cell is not None:
            self._cell.append(data)
        if self.depth and self._href is not None:
            self._link_text.append(data)


def read_table(html: str, table_id: str) -> list[list[str]]:
    reader = _TableReader(table_id)
    reader.feed(html)
    return reader.rows


def table_links(html: str, table_id: str) -> dict[str, str]:
    """The links of a table, by their text."""
    reader = _TableReader(table_id)
    reader.feed(html)
    return dict(reader.links)
