"""HTTP routers of the platform, one module per PROTOCOL section (mounted by server.app)."""
