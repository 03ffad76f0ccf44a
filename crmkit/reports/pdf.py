"""HTML report → PDF, printed by a headless Chromium (A4, from the report's own print CSS).

Chromium lays out Chinese text, tables and embedded images exactly as the HTML report shows
them, which LaTeX-based notebook PDFs do not; it runs as a plain subprocess, so no Playwright
(a test-only dependency) is needed at runtime.

>>> html_to_pdf("reports/2026-10/monthly_report_2026-10.html", "reports/2026-10/monthly_report_2026-10.pdf")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..exceptions import ChromiumNotFoundError, PdfConversionError

ENV_CHROMIUM = "CRMKIT_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Headless printing of a local file needs none of the browser's background services; turning
# them off keeps the run quick and makes no network requests.
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
          "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")


def find_chromium() -> str:
    """The Chromium executable: ``$CRMKIT_CHROMIUM``, else the first of chromium, chromium-browser,
    google-chrome on the PATH. Raises ChromiumNotFoundError naming what was tried."""
    override = os.environ.get(ENV_CHROMIUM)
    if override:
        found = shutil.which(override)
        if found:
            return found
        raise ChromiumNotFoundError([f"${ENV_CHROMIUM}={override}"])
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFoundError(list(_CANDIDATES))


def html_to_pdf(html_path, pdf_path, *, chromium: str | None = None, timeout: float = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, no browser header or footer); returns the PDF's path.

    The page size and margins come from the HTML's ``@page`` rule (see ``convert.PRINT_CSS``).
    Raises PdfConversionError with Chromium's last words if no PDF comes out.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    exe = chromium or find_chromium()
    pdf_path.unlink(missing_ok=True)
    # A throwaway profile: parallel renders must not share (and lock) one, and nothing of a
    # user's own browser profile is read.
    with tempfile.TemporaryDirectory(prefix="crmkit-chromium-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfConversionError(html_path, f"{exe} did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            raise PdfConversionError(html_path, f"cannot run {exe}: {exc}") from exc
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise PdfConversionError(html_path, f"{exe} exited with {proc.returncode}: {tail or 'no output'}")
    return pdf_path
