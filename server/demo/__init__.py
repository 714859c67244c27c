"""The demo county 富锦市: units, people, documents and notices for `init-demo`.

`county` holds the organisation, `corpus` the document and notice texts, `pdf` renders
GB/T 9704-style PDF bodies, and `build` drives the real workflow to fill a database.
"""
