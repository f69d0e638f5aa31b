"""Python code the template runs while rendering: derived values, Jinja filters, validators.

Copier loads `hooks.py` by file path (copier_template_extensions); the other modules are plain
Python so the unit tests import them directly.
"""
