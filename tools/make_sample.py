"""Draw the kit's embedded sample (catdog_lib/sample/photos/) from the Kaggle photos.

    python tools/make_sample.py                      # from ../shared/data/dogs-vs-cats-200px/train
    python tools/make_sample.py --from DIR --sheet sample.png

Takes every photo named in ``catdog_lib.sample.ODD_PHOTOS`` (the odd ones,
chosen by looking at the data) and fills each label up to ``--per-class``
with photos drawn at random (``random.Random(--seed)``) from the others;
shrinks each to ``--side`` px on its long side and writes it as a JPEG under
its Kaggle name. Deterministic: the same command and the same Pillow give
the same files. Files of an earlier draw that are not drawn again are
removed; ``NOTICE`` is kept. ``--sheet`` also writes a contact sheet (PNG)
to look at the draw.
"""
import argparse
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageOps  # noqa: E402

from catdog_lib.sample import ODD_PHOTOS, PHOTOS  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"
LABELS = ("cat", "dog")


def kaggle_number(name):
    return int(name.split(".")[1])


def draw(source, per_class, seed):
    """The chosen file names, per label: the odd ones, then random others, sorted by number."""
    rng = random.Random(seed)
    chosen = {}
    for label in LABELS:
        odd = [n for n in ODD_PHOTOS if n.startswith(f"{label}.")]
        missing = [n for n in odd if not (source / n).is_file()]
        if missing:
            raise SystemExit(f"{source} lacks the odd photos {missing}: is it Kaggle's train folder?")
        others = sorted((p.name for p in source.glob(f"{label}.*.jpg") if p.name not in ODD_PHOTOS),
                        key=kaggle_number)
        if len(others) < per_class - len(odd):
            raise SystemExit(f"{source} has only {len(others)} other {label} photos")
        chosen[label] = sorted(odd + rng.sample(others, per_class - len(odd)), key=kaggle_number)
    return chosen


def shrink(path, side, quality):
    """JPEG bytes of ``path`` at ``side`` px on its long side (never enlarged), RGB, without metadata."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def contact_sheet(paths, out, thumb=120, columns=12):
    """A PNG of ``paths`` in a grid, each with its name; the odd ones framed in red."""
    rows = -(-len(paths) // columns)
    sheet = Image.new("RGB", (columns * thumb, rows * (thumb + 14)), "white")
    pen = ImageDraw.Draw(sheet)
    for k, path in enumerate(paths):
        x, y = (k % columns) * thumb, (k // columns) * (thumb + 14)
        with Image.open(path) as image:
            sheet.paste(ImageOps.pad(image.convert("RGB"), (thumb - 4, thumb - 4), color="white"),
                        (x + 2, y + 16))
        odd = path.name in ODD_PHOTOS
        pen.text((x + 3, y + 2), path.stem, fill="red" if odd else "black")
        if odd:
            pen.rectangle((x, y + 14, x + thumb - 1, y + thumb + 13), outline="red", width=2)
    sheet.save(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, default=SOURCE, help="Kaggle's flat train folder")
    parser.add_argument("--to", dest="dest", type=Path, default=PHOTOS)
    parser.add_argument("--per-class", type=int, default=48, help="photos per label (a multiple of 4 splits evenly)")
    parser.add_argument("--side", type=int, default=160, help="pixels on the long side")
    parser.add_argument("--quality", type=int, default=75, help="JPEG quality (Pillow's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet PNG here")
    args = parser.parse_args(argv)

    if not args.source.is_dir():
        raise SystemExit(f"no photos at {args.source}: give Kaggle's train folder with --from")
    chosen = draw(args.source, args.per_class, args.seed)
    args.dest.mkdir(parents=True, exist_ok=True)
    names = [name for label in LABELS for name in chosen[label]]
    for old in args.dest.glob("*.jpg"):
        if old.name not in names:
            old.unlink()
    total = 0
    for name in names:
        data = shrink(args.source / name, args.side, args.quality)
        (args.dest / name).write_bytes(data)
        total += len(data)
    odd = sum(name in ODD_PHOTOS for name in names)
    print(f"{len(names)} photos ({odd} odd ones) in {args.dest}: {total / 1024:.0f} KiB")
    if args.sheet:
        contact_sheet([args.dest / name for name in names], args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
