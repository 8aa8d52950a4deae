"""From wherever the photos are to ``train/<label>/`` and ``val/<label>/``: files -> items -> split -> folders.

- ``sources``: Kaggle's competition, the Oxford-IIIT Pet photos, a folder or a zip; ``archives`` unpacks safely.
- ``index``: each file's header read once; what is no usable photo is skipped with its reason (``photos``,
  ``reasons``: kept in English, shown in the learner's words).
- ``manifest``: the split saved as ``split.json``, so a restart reuses it; ``layouts``: a folder split already.
- ``pipeline``: ``prepare()``, all of it in order; ``catdog prepare`` and the lessons call it.

``from catdog_lib.prepare import prepare, index_images, ...`` keeps working
as it did when all of this was one module.
"""
from .index import INDEX_CACHE, ImageRecord, index_images, read_image_header, report_skipped
from .layouts import is_split_layout
from .manifest import MANIFEST, read_manifest, write_manifest
from .photos import IMAGE_EXTENSIONS
from .reasons import SYSTEM_FILE, reason_words
from .pipeline import SOURCES, Prepared, choose_source, collect_photos, prepare

__all__ = ["prepare", "Prepared", "choose_source", "collect_photos", "SOURCES", "index_images", "read_image_header",
           "report_skipped", "ImageRecord", "SYSTEM_FILE", "INDEX_CACHE", "IMAGE_EXTENSIONS", "MANIFEST",
           "read_manifest", "write_manifest", "is_split_layout", "reason_words"]
