"""Uploaded photos: refuse anything that is not a real, reasonably sized image; store clean copies.

The uploaded file itself is never stored. Only re-encoded JPEG renditions are: they carry no
metadata (no EXIF, GPS, comments or XMP), their names are random, and their `.jpg` extension
matches their content, so every server hands them out as `image/jpeg` and nothing can execute.
"""

import io
import posixpath
import struct
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A JPEG is decoded at a reduced scale (1/2 to 1/8, see _decode_for), so its memory does not
# grow with its pixels: the limit admits today's 48–50 MP phone cameras.
MAX_PIXELS = 52_000_000
# PNG and WebP can only be decoded at full size, and resizing with transparency copies that
# once more; WebP's decoder holds the pixels three times over (libwebp, a bytes copy, Pillow).
# These keep one upload's peak memory under 150 MB (tests/test_upload_limits.py); a 4K
# screenshot (8.3 MP) still fits as PNG.
MAX_PIXELS_FULL_DECODE = {"PNG": 12_000_000, "WEBP": 8_000_000}
# A JPEG in several scans (progressive, as "save for web" writes them) makes libjpeg hold every
# DCT coefficient of the whole image, up to 6 bytes a pixel, at any decoding scale. Cameras
# write one scan.
MAX_PIXELS_MULTI_SCAN = 16_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Longest side in pixels; smaller photos are never enlarged.
RENDITIONS = {"large": 1600, "thumb": 480}
# Modes that resize well as they are; others (palette, 16-bit, CMYK…) become RGB(A) first.
_RESIZABLE_MODES = {"RGB", "RGBA", "L"}

RENDITION_CONTENT_TYPE = "image/jpeg"
JPEG_QUALITY = 85

# What Pillow raises on files it cannot parse or decode; a hostile or broken upload must end
# in a refusal, never in a server error.
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, struct.error)


@dataclass(frozen=True)
class Rendition:
    """One re-encoded, metadata-free JPEG of an uploaded photo, not yet stored."""

    name: str
    content: ContentFile
    width: int
    height: int
    content_type: str


def _pixel_limit(image_format: str) -> int:
    return MAX_PIXELS if image_format == "JPEG" else MAX_PIXELS_FULL_DECODE[image_format]


def _too_many_pixels(limit: int) -> ValidationError:
    return ValidationError(
        _("This photo has more than %(max)s million pixels. Upload a smaller version."),
        code="too_many_pixels",
        params={"max": limit // 1_000_000},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a photo we can read. Upload a JPEG, PNG or WebP image."),
        code="not_an_image",
    )


def _jpeg_scan_count(upload: UploadedFile) -> int:
    """The number of start-of-scan markers: in entropy-coded data every 0xFF is followed by 0x00
    or a restart marker, so each 0xFF 0xDA is a real one. Reads 1 MB at a time."""
    upload.seek(0)
    count, previous = 0, b""
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        count += (previous + chunk).count(b"\xff\xda")
        previous = chunk[-1:]
    return count


def validate_image_upload(upload: UploadedFile) -> None:
    """Returns only if `upload` is a complete JPEG, PNG or WebP image within the size and pixel
    limits; otherwise raises ValidationError with code too_large, not_an_image,
    unsupported_format or too_many_pixels. Leaves the file rewound to the start."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is larger than %(max)s MB."),
            code="too_large",
            params={"max": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    try:
        upload.seek(0)
        # Opening reads only the header, so the format and dimensions are checked before any
        # pixel data is decoded: other formats' decoders never run, and a small file claiming
        # huge dimensions is refused before it can take the memory it asks for.
        try:
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        _("Photos must be JPEG, PNG or WebP; this file is %(format)s."),
                        code="unsupported_format",
                        params={"format": image_format},
                    )
                if width * height > _pixel_limit(image_format):
                    raise _too_many_pixels(_pixel_limit(image_format))
                image.verify()
            if (
                image_format == "JPEG"
                and width * height > MAX_PIXELS_MULTI_SCAN
                and _jpeg_scan_count(upload) > 1
            ):
                raise _too_many_pixels(MAX_PIXELS_MULTI_SCAN)
            # verify() leaves the image unusable, and it does not decode JPEG data at all;
            # decoding all the data is what catches truncated or corrupt pixel data. A JPEG
            # is read at 1/8 scale: every byte is still decoded, in 1/64 of the memory.
            upload.seek(0)
            with Image.open(upload) as image:
                image.draft(None, (1, 1))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            # Pillow's own, looser limit (or its warning, where warnings are errors).
            raise _too_many_pixels(MAX_PIXELS) from error
        except _UNREADABLE as error:
            raise _not_an_image() from error
    finally:
        upload.seek(0)


def _decode_for(image: Image.Image, longest_side: int) -> Image.Image:
    """The image reduced to at most `longest_side`, decoded without a full-size copy where the
    format allows it (JPEG: libjpeg scales while decoding, to at least the target size)."""
    scale = longest_side / max(image.size)
    if scale < 1:
        image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    if image.mode not in _RESIZABLE_MODES:
        # Palette images would resize with nearest-neighbour only. This copy is full-size only
        # for PNG, within its MAX_PIXELS_FULL_DECODE (a CMYK JPEG is already reduced here).
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # reduce() by whole factors, then a fair resample: no full-size copy is made.
    image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    return image


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    # JPEG has no transparency; transparent areas would otherwise turn black.
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def make_renditions(upload: UploadedFile) -> dict[str, Rendition]:
    """Validates `upload` (raising ValidationError as validate_image_upload does) and returns
    one upright JPEG per RENDITIONS entry, keyed like RENDITIONS: longest side at most the
    limit, never enlarged, transparency on white, no metadata, named `<random hex>-<key>.jpg`
    (never derived from the uploaded name). Leaves the upload rewound to the start."""
    validate_image_upload(upload)
    try:
        with Image.open(upload) as original:
            # Reduced before turning and flattening, so those copies are rendition-sized.
            reduced = _decode_for(original, max(RENDITIONS.values()))
            upright = _flatten_to_rgb(ImageOps.exif_transpose(reduced))
    finally:
        upload.seek(0)

    # One random stem for all renditions, so the files of one photo sort together.
    stem = uuid.uuid4().hex
    renditions: dict[str, Rendition] = {}
    for key, longest_side in RENDITIONS.items():
        resized = upright.copy()
        resized.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        # Pillow's JPEG writer copies some metadata (the COM comment) from `info`;
        # none of the uploader's metadata may survive.
        resized.info.clear()
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        name = f"{stem}-{key}.jpg"
        renditions[key] = Rendition(
            name=name,
            content=ContentFile(buffer.getvalue(), name=name),
            width=resized.width,
            height=resized.height,
            content_type=RENDITION_CONTENT_TYPE,
        )
    return renditions


def save_renditions(
    renditions: dict[str, Rendition], *, folder: str, storage: Storage | None = None
) -> dict[str, str]:
    """Stores each rendition as `<folder>/<name>` through Django's storage API (default_storage
    unless `storage` is given); returns the stored names, keyed like `renditions`. The storage
    may alter a name to keep it unique; always use the returned one."""
    storage = storage or default_storage
    return {
        key: storage.save(posixpath.join(folder, rendition.name), rendition.content)
        for key, rendition in renditions.items()
    }
