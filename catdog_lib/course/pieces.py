"""The pieces under one name, as the checks, the tests and lesson 05 have imported them.

What lives where: the registry (names, lessons, points, titles, hints) in
``registry``; the names every piece may use in ``prelude``; a piece's file,
its stub and loading it in ``loading``; the hints for a learner's errors in
``error_hints``. New code imports from those modules.
"""
from .error_hints import ERROR_HINTS, READ_THE_TRACEBACK, error_hint, short_error
from .loading import PieceError, is_stub, load_piece, piece_path, reference
from .prelude import PRELUDE_IMPORTS, PRELUDE_NAMES, prelude
from .registry import HINTS, LESSONS, PIECE_NAMES, PIECES, Piece, get_piece

__all__ = ["ERROR_HINTS", "READ_THE_TRACEBACK", "error_hint", "short_error",
           "PieceError", "is_stub", "load_piece", "piece_path", "reference",
           "PRELUDE_IMPORTS", "PRELUDE_NAMES", "prelude",
           "HINTS", "LESSONS", "PIECE_NAMES", "PIECES", "Piece", "get_piece"]
