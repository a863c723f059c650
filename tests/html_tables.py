"""Reading the site's data tables out of a page's HTML, for tests of what a table shows."""

import re


def english(client):  # noqa: ANN001, ANN201
    """The client, asking for the English pages (the language cookie)."""
    client.cookies["taal"] = "en"
    return client


def cell_text(cell: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def table_rows(html: str, css_class: str) -> dict[str, list[str]]:
    """Body and foot rows of a table by the text of their first cell."""
    table = re.search(rf'<table class="data-table {css_class}"[^>]*>(.*?)</table>', html, re.S)
    assert table, css_class
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [cell_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows
