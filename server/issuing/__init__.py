"""印制: the issued document as a GB/T 9704-2012 PDF (gbt9704), seals and numbering helpers."""
