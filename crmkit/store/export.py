"""Tables out of the store, as the forms' spreadsheets (``crmkit.exporting`` writes the file)."""

from __future__ import annotations

from pathlib import Path

from ..schema import table as lookup_table


class Export:
    """The export half of ``Store`` (it needs the reads)."""

    def export(self, table: str, path, *, lang: str | None = None, **filters) -> Path:
        """Write a table to .xlsx or .csv with the forms' headers (lang="zh") or English ones;
        default the store's language (``crmkit.language``: its setting, the locale, else Chinese).

        ``filters`` are those of :meth:`read`, so an export shows what a read would.
        """
        from ..exporting import export_frame
        from ..language import one_lang

        t = lookup_table(table)
        frame = self.read(t.name, **filters).drop(columns=["version"])
        return export_frame(frame, t, path, lang=one_lang(lang, self))
