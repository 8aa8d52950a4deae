"""Judge the pieces in your workspace: run ``pytest checks`` from the kit's root.

``pytest checks -k split_items`` judges one piece; ``--reference`` judges the
reference versions; ``--workspace DIR`` reads the pieces from DIR.
"""
pytest_plugins = ["catdog_lib.course.plugin"]
