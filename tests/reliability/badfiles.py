"""The bad-input corpus: each awkward file a learner's folder or upload may hold, made from the real photos.

Each kind is one row of the report's table of kinds x stages (see
test_bad_inputs.py). conftest.py writes them into a folder; the upload tests
take their bytes.
"""
import struct
import zlib

GOOD_PER_LABEL = 12  # enough for a split with both labels on each side

# kind -> file name inside the corpus folder (labels and numbers chosen so names never collide)
KINDS = {
    "truncated_jpeg": "cat.1001.jpg",
    "zero_bytes": "dog.1002.jpg",
    "text_named_jpg": "cat.1003.jpg",
    "png_alpha": "dog.1004.png",
    "grayscale": "cat.1005.jpg",
    "palette": "dog.1006.png",
    "cmyk_jpeg": "cat.1007.jpg",
    "png_16bit": "dog.1008.png",
    "animated_gif": "cat.1009.gif",
    "jfif": "dog.1020.jfif",  # a JPEG as Windows saves one from a browser
    "tga": "cat.1021.tga",  # another format Pillow reads and ImageFolder does not list
    "truncated_gif": "dog.1022.gif",  # its header reads, its pixels do not: cannot be converted
    "bomb": "dog.1010.png",
    "strip": "cat.1019.png",  # 1 x 4000 pixels: few, but the evaluation resize multiplies them
    "exif_rotated": "cat.1011.jpg",
    "heic": "dog.1012.heic",
    "ds_store": ".DS_Store",
    "thumbs_db": "Thumbs.db",
    "macosx": "__MACOSX/._cat.1013.jpg",
    "macosx_photo": "__MACOSX/dog.1013.jpg",  # a real JPEG inside __MACOSX/: still not a learner's photo
    "nested": "more/even more/dog.1014.jpg",
    "spaces": "cat.1015 copy (2).jpg",
    "non_ascii": "Hündchen/dog.1016.großer Hund.jpg",
    "upper_case_ext": "CAT.1017.JPG",
    "unknown_label": "bird.1018.jpg",
}

BOMB_SIDE = 20_000  # 400 million pixels: over twice Pillow's limit, refused when opened


def png_header_only(width, height, bit_depth=8, colour_type=2):
    """A PNG whose header claims ``width x height`` pixels and holds none: a bomb, in 57 bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def kind_bytes(photos_dir):
    """``{kind: bytes}`` of every kind, made from the real photos."""
    import io

    import numpy as np
    from PIL import Image

    from helpers import photo_path

    photo = Image.open(photo_path(photos_dir, "cat", 44)).convert("RGB")
    jpeg = photo_path(photos_dir, "dog", 44).read_bytes()

    def encode(image, fmt, **options):
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **options)
        return buffer.getvalue()

    rgba = photo.convert("RGBA")
    alpha = Image.new("L", photo.size, 255)
    alpha.paste(0, (0, 0, 100, 200))  # the left half transparent
    rgba.putalpha(alpha)
    sixteen = Image.fromarray(np.asarray(photo.convert("L")).astype(np.uint16) * 257)  # mode I;16
    assert sixteen.mode == "I;16"
    tall = photo.crop((40, 0, 160, 200))  # 120 x 200: a turn shows in the size
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    animated_gif = encode(photo, "GIF", save_all=True, append_images=[photo.rotate(90)], duration=100, loop=0)
    gif = encode(photo, "GIF")
    return {
        "truncated_jpeg": jpeg[: len(jpeg) // 2],
        "zero_bytes": b"",
        "text_named_jpg": b"My cat photos are in the other folder.\n",
        "png_alpha": encode(rgba, "PNG"),
        "grayscale": encode(photo.convert("L"), "JPEG"),
        "palette": encode(photo.convert("P"), "PNG"),
        "cmyk_jpeg": encode(photo.convert("CMYK"), "JPEG"),
        "png_16bit": encode(sixteen, "PNG"),
        "animated_gif": animated_gif,
        "jfif": jpeg,
        "tga": encode(photo, "TGA"),
        "truncated_gif": gif[: len(gif) // 2],  # cut inside its only frame
        "bomb": png_header_only(BOMB_SIDE, BOMB_SIDE),
        "strip": encode(photo.resize((1, 4000)), "PNG"),
        "exif_rotated": encode(tall, "JPEG", exif=exif),
        "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
        "ds_store": b"\x00\x00\x00\x01Bud1" + b"\x00" * 32,
        "thumbs_db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32,
        "macosx": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
        "macosx_photo": jpeg,
        "nested": jpeg,
        "spaces": jpeg,
        "non_ascii": jpeg,
        "upper_case_ext": jpeg,
        "unknown_label": jpeg,
    }
