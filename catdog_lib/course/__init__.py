"""The course machinery: the pieces a learner writes, the checks that judge them,
and (in other modules) the notebook magics and the lesson builder.

- ``pieces``: names, lessons, points, hints, the prelude, loading a piece file.
- ``plugin``: the pytest plugin behind ``pytest checks`` and ``%check``.
"""
