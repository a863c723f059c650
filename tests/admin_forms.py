"""What a browser would post for an admin form as it was rendered: for tests that save the whole
change form (inlines and management forms included) the way staff do."""

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """What a browser would post for the change form as it was rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self._add(name, attrs.get("value") or ("on" if "checked" in attrs else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if self._textarea in self.data:  # not the empty form's (__prefix__) textareas
            self.data[self._textarea][-1] += data


def rendered_form_data(html: str) -> dict[str, list[str]]:
    """The fields of the page's form, without the CSRF token."""
    reader = FormReader()
    reader.feed(html)
    return {name: values for name, values in reader.data.items() if name != "csrfmiddlewaretoken"}
