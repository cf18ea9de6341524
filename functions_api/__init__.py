"""HTTP triggers, one module per resource; each exposes `bp` (function_app.py registers them)."""
