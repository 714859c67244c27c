"""What the GovDesk client and the county platform must agree on, written once.

Imports neither `client` nor `server` (import-linter checks it): canonical JSON and
digests (`canonical`), signatures (`signing`), the sign-off rules (`workflow_rules`),
the op types (`ops`), the error codes (`errors`) and the wire schemas (`wire`).
"""
