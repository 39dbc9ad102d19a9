"""Files (com.android.documentsui): a read-only list of downloaded files."""

from __future__ import annotations

from ..ui import PAD, SCREEN_W, App, Screen, View, box
from ..widgets import RowBuilder, app_bar, scroll_list, text_view, two_line_row

PACKAGE = "com.android.documentsui"


def size_text(size: int) -> str:
    """A byte count as Files shows it, e.g. 1.2 MB."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover - the loop always returns


def list_screen(v: View) -> Screen:
    """Every file, sorted by folder then name, with its size."""
    files = sorted(v.state.files, key=lambda f: (f.folder.casefold(), f.name.casefold()))
    nodes = app_bar(v, "Files", up=False)

    def row(i: int) -> RowBuilder:
        f = files[i]
        return lambda b: two_line_row(
            b, f.name, f"{f.folder} \u00b7 {size_text(f.size)}", None, rid=v.rid("item_title")
        )

    if not files:
        nodes.append(text_view("No files", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
        return Screen("Files", nodes, activity=".files.FilesActivity")
    lst, area = scroll_list(v, [row(i) for i in range(len(files))], v.top, v.bottom)
    nodes.append(lst)
    return Screen("Files", nodes, activity=".files.FilesActivity", scroll=area)


APP = App(
    label="Files",
    package=PACKAGE,
    activity=".files.FilesActivity",
    main="list",
    screens={"list": list_screen},
)
