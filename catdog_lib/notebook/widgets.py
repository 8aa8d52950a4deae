"""The upload box: classify photos a learner uploads, in JupyterLab and in Colab.

    upload_box(model, class_names, size=224)

In JupyterLab it is an ipywidgets ``FileUpload`` button; each time photos
are chosen, each is shown with the predicted label and a bar per class. In
Colab, whose front end drops that widget's files over about 1 MB, it is a
file input of Colab's own kind (``colab_upload``). Neither waits: Run All
goes on past the box, and photos are classified whenever they are chosen.

The work is done by ``classify_uploads(files, model, class_names, size)``,
which needs no widget, so it can be tested and scripted. Uploads are
untrusted: only images are accepted, up to ``MAX_UPLOAD_BYTES`` each and
``MAX_PIXELS`` pixels (a small file can unpack into a gigantic image, a
"decompression bomb"); names are cleaned, and files are written only into
the kit's ``uploads/`` folder.
"""
import base64
import html
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CatdogError
from ..i18n import N_, tr
from ..paths import kit_root
from ..prepare.photos import shape_problem, to_8bit, unreadable_kind, unreadable_photo_help

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MB: any phone photo fits
MAX_PIXELS = 50_000_000              # 50 megapixels: more than any phone camera
# The formats an upload may be in, and the ending its saved copy gets.
SUFFIX_BY_FORMAT = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp",
                    "WEBP": ".webp", "TIFF": ".tif", "AVIF": ".avif", "HEIF": ".heic"}


class UploadError(CatdogError):
    """An upload we cannot classify; the message says why in one sentence."""


@dataclass
class Upload:
    """What became of one uploaded file."""

    name: str                     # the name the learner's file had
    path: "Path | None" = None    # where we saved it (None when refused)
    probabilities: dict = field(default_factory=dict)
    error: "str | None" = None

    @property
    def label(self):
        """The class with the highest probability (None when refused)."""
        return max(self.probabilities, key=self.probabilities.get) if self.probabilities else None


def upload_folder():
    """Where uploads are saved: ``uploads/`` in the kit's folder (git ignores it)."""
    return kit_root() / "uploads"


def in_colab():
    """Whether this kernel runs in Google Colab."""
    import importlib.util

    try:
        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        return False


def read_uploads(value):
    """``[(name, bytes)]`` from whatever an upload gives.

    - ipywidgets 8 ``FileUpload.value``: a tuple of dicts with ``name``,
      ``type``, ``size`` and ``content`` (a ``memoryview``);
    - ipywidgets 7 ``FileUpload.value``: a dict ``{name: {"metadata": ..., "content": bytes}}``;
    - Colab's ``files.upload()``: a dict ``{name: bytes}``;
    - or a list of ``(name, bytes)`` pairs.
    """
    if isinstance(value, dict):
        pairs = []
        for name, item in value.items():
            content = item.get("content") if isinstance(item, dict) else item
            pairs.append((str(name), content))
    else:
        pairs = []
        for item in value or ():
            if isinstance(item, dict):
                name = item.get("name") or (item.get("metadata") or {}).get("name") or "upload"
                pairs.append((str(name), item.get("content")))
            else:
                name, content = item
                pairs.append((str(name), content))
    return [(name, bytes(content) if content is not None else b"") for name, content in pairs]


def safe_name(name, extension=""):
    """A file name that is safe to write: no folders, no odd characters, not hidden.

    ``../../etc/passwd`` becomes ``passwd``; ``Mon chat préféré!.JPG`` becomes
    ``Mon_chat_prefere.jpg`` (with ``extension=".jpg"``).
    """
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:60] or "upload"
    if stem.upper() in WINDOWS_DEVICES:  # on Windows, CON.jpg is the console, not a file
        stem = f"upload_{stem}"
    return stem + (extension or "")


WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(10))}


def open_upload(name, data, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS):
    """Check one upload and open it: a decoded PIL image, and the extension for its format.

    Raises ``UploadError`` with one sentence when the file is empty, too
    large, not an image, a decompression bomb, or broken.
    """
    from PIL import Image

    if not data:
        raise UploadError(tr("{name!r} is empty: upload the photo again", name=name))
    if len(data) > max_bytes:
        raise UploadError(tr("{name!r} is {size:.1f} MB, over the {limit:.0f} MB limit: upload a smaller "
                             "copy of the photo",
                             name=name, size=len(data) / 2**20, limit=max_bytes / 2**20))
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that:
        # treat both as the bomb they may be.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise Image.DecompressionBombError(f"{width * height} pixels")
            problem = shape_problem(width, height)
            if problem:  # a 1 x 40,000 strip: 160 bytes, gigabytes once resized for the model
                raise UploadError(tr("{name!r} {problem}", name=name, problem=problem))
            if image.format not in SUFFIX_BY_FORMAT:
                raise UploadError(tr("{name!r} is a {format} file: upload a photo (JPEG, PNG, GIF, BMP, WebP or TIFF)",
                                     name=name, format=image.format))
            image.load()  # decode now, so a broken file fails here and not in the model
            extension = SUFFIX_BY_FORMAT[image.format]
            image = to_8bit(image)  # a 16-bit PNG would turn white in convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadError(tr("{name!r} would unpack into a gigantic image (over {limit:.0f} "
                                 "megapixels), so it was refused: upload an ordinary photo",
                                 name=name, limit=max_pixels / 1e6)) from None
        except UploadError:
            raise
        except Exception:  # Pillow raises many kinds for a file that is not an image
            kind = unreadable_kind(data)
            if kind:  # an AVIF or HEIC photo this Pillow cannot open: say what to do
                raise UploadError(tr("{name!r} is in {kind}: {how}", name=name, kind=kind,
                                     how=unreadable_photo_help(kind))) from None
            raise UploadError(tr("{name!r} is not an image we can read: upload a photo (JPEG, PNG, GIF, BMP, "
                                 "WebP or TIFF)", name=name)) from None
    return image, extension


def save_upload(name, data, folder, extension=""):
    """Write ``data`` as a new file in ``folder`` under a cleaned ``name``; returns its path.

    Never overwrites: a second ``cat.jpg`` becomes ``cat_1.jpg``. Only writes
    inside ``folder`` (the cleaned name has no folders, and a link planted in
    the folder is not followed).
    """
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    clean = safe_name(name, extension)
    stem, ext = os.path.splitext(clean)
    for n in range(10_000):
        path = folder / (clean if n == 0 else f"{stem}_{n}{ext}")
        if path.parent != folder:  # cannot happen with a cleaned name; a last guard
            raise UploadError(tr("{name!r} is not a usable file name: rename the photo", name=name))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path
    raise UploadError(tr("{folder} holds too many uploads named like {clean!r}: empty it",
                         folder=folder, clean=clean))


def classify_uploads(files, model, class_names, size=224, *, device=None, predict=None,
                     folder=None, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS):
    """Check, save and classify uploaded photos; one ``Upload`` per file, refused ones included.

    ``files`` is what an upload gives (see ``read_uploads``). ``predict`` is
    the ``predict_image`` to use (default: the reference one). A refused file
    gets its reason in ``Upload.error``; the others are classified.
    """
    if predict is None:
        from ..prediction import predict_image as predict
    folder = Path(folder) if folder is not None else upload_folder()
    results = []
    for name, data in read_uploads(files):
        try:
            image, extension = open_upload(name, data, max_bytes=max_bytes, max_pixels=max_pixels)
            path = save_upload(name, data, folder, extension)
            probabilities = predict(model, image, class_names, size=size, device=device)
            results.append(Upload(name, path, {k: float(v) for k, v in probabilities.items()}))
        except CatdogError as e:
            results.append(Upload(name, error=str(e)))
    return results


def _thumbnail_data_url(path, side=180):
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((side, side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


COLOURS = ("#e07b39", "#3a7dc9", "#5aa05a", "#a05aa0")
# The course's class names in the learner's language, shown beside the name the model gives.
CLASS_WORDS = {"cat": N_("cat"), "dog": N_("dog")}


def class_words(name):
    """``"cat"``, or ``"cat 猫"`` where the learner reads another language: the folder's name stays visible."""
    word = tr(CLASS_WORDS[name]) if name in CLASS_WORDS else name
    return name if word == name else f"{name} {word}"


def uploads_html(results):
    """One card per upload: the photo, the predicted label, a bar per class (or the reason it was refused)."""
    cards = []
    for r in results:
        name = html.escape(r.name)
        if r.error:
            cards.append(f"<div style='border:1px solid #d33;border-radius:6px;padding:8px;margin:4px;width:220px;"
                         f"color:#b00;font-family:sans-serif;font-size:13px'><b>{name}</b><br>{html.escape(r.error)}</div>")
            continue
        bars = "".join(
            f"<div style='display:flex;align-items:center;margin:2px 0'>"
            f"<span style='width:40px'>{html.escape(c)}</span>"
            f"<span style='flex:1;background:#eee;height:12px;margin:0 6px;border-radius:3px'>"
            f"<span style='display:block;width:{100 * p:.1f}%;height:12px;background:{COLOURS[i % len(COLOURS)]};"
            f"border-radius:3px'></span></span><span style='width:44px;text-align:right'>{100 * p:.1f}%</span></div>"
            for i, (c, p) in enumerate(r.probabilities.items()))
        cards.append(
            f"<div style='border:1px solid #ccc;border-radius:6px;padding:8px;margin:4px;width:220px;"
            f"font-family:sans-serif;font-size:13px'>"
            f"<img src='{_thumbnail_data_url(r.path)}' style='max-width:200px;max-height:180px;display:block;margin:auto'>"
            f"<div style='font-size:18px;margin:6px 0'><b>{html.escape(class_words(r.label))}</b> "
            f"<span style='color:#666;font-size:12px'>{name}</span></div>{bars}</div>")
    return "<div style='display:flex;flex-wrap:wrap'>" + "".join(cards) + "</div>"


def show_uploads(results):
    """Display the cards of ``uploads_html`` in the notebook."""
    from IPython.display import HTML, display

    display(HTML(uploads_html(results)))


class Uploads(list):
    """The ``Upload`` results of one upload, shown as cards when a cell ends with them."""

    def _ipython_display_(self):
        if self:
            show_uploads(self)


def upload_box(model, class_names, size=224, *, device=None, predict=None, folder=None,
               max_bytes=MAX_UPLOAD_BYTES):
    """Let the learner upload photos and see what the model thinks of each.

    JupyterLab: returns an ipywidgets box with a ``FileUpload`` button (leave
    it last in a cell). Colab: returns a file input (an ``HTML`` object, also
    last in a cell) whose photos reach the kernel through
    ``google.colab.kernel.invokeFunction``. Either way the cell ends at once,
    and the cards appear under the box when photos are chosen.
    """
    limit = tr("images only, up to {size:.0f} MB each", size=max_bytes / 2**20)
    options = dict(device=device, predict=predict, folder=folder, max_bytes=max_bytes)
    if in_colab():  # files.upload() would stop Run All here: a box that waits for nobody (colab_upload.py)
        from .colab_upload import colab_upload_box

        def refuse(name, data_size):
            return uploads_html([Upload(name, error=tr(
                "{name!r} is {size:.1f} MB, over the {limit:.0f} MB limit: upload a smaller copy of the photo",
                name=name, size=data_size / 2**20, limit=max_bytes / 2**20))])

        return colab_upload_box(lambda files: uploads_html(classify_uploads(files, model, class_names, size, **options)),
                                refuse, tr("Choose one or more photos ({limit}).", limit=limit), max_bytes)

    import ipywidgets as widgets

    button = widgets.FileUpload(accept="image/*", multiple=True, description=tr("Upload photos"))
    output = widgets.Output()

    def on_upload(change):
        with output:
            output.clear_output()
            show_uploads(classify_uploads(change["new"], model, class_names, size, **options))

    button.observe(on_upload, names="value")
    return widgets.VBox([widgets.HTML(tr("Upload one or more photos of cats or dogs ({limit}):", limit=html.escape(limit))), button, output])
