"""Demo data across apps: `manage.py seed_demo` asks each app's seeder for its part.

A top-layer app (docs/architecture.md): it may import every app; no app imports it.
"""
