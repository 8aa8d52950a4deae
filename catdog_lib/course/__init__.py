"""The course machinery: lessons -> pieces -> checks.

- ``registry``: the pieces' names, lessons, points, titles, hints, why each matters.
- ``prelude``, ``loading``, ``error_hints``: the names a piece may use, loading a
  piece's file (``pieces`` gathers them under the name older code imports).
- ``plugin`` (with ``expect`` and ``guard``): the pytest plugin behind ``pytest checks``.
- ``judge`` (with ``warm``): the checks run in a fresh process; ``verdicts``: their words.
- ``magics``, ``hints``, ``grading``: ``%%piece``, ``%check``, ``%hint``, ``%solution``,
  ``%progress``, and how a check ends under nbgrader.
- ``cells``, ``build``, ``collect``, ``translate``, ``messages``, ``demo``, ``colab``:
  what instructors and the build use.
"""
