"""The demo's PDFs come from the platform's own GB/T 9704 renderer (server.issuing.gbt9704)."""

from server.issuing.gbt9704 import OfficialDocument, render_pdf, render_plain_pdf

__all__ = ["OfficialDocument", "render_pdf", "render_plain_pdf"]
