"""Uploaded photos: only real images within the limits become clean, metadata-free renditions."""

import io
import random
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from common import images
from common.images import (
    MAX_UPLOAD_BYTES,
    RENDITIONS,
    make_renditions,
    save_renditions,
    validate_image_upload,
)
from tests.photos import gps_exif

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def noisy_jpeg(size: tuple[int, int] = (300, 200)) -> bytes:
    """Random pixels, so the compressed data (not the headers) makes up most of the file."""
    rng = random.Random(1)
    pixels = rng.randbytes(size[0] * size[1] * 3)
    return encode(Image.frombytes("RGB", size, pixels), "JPEG")


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header (with a valid checksum) claims the given dimensions."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    # Signature (8) + chunk length (4) + b"IHDR" (4), then width and height.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def opened(rendition: images.Rendition) -> Image.Image:
    return Image.open(io.BytesIO(rendition.content.read()))


def rejection_code(content: bytes, name: str = "photo.jpg") -> str:
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(content, name))
    return error.value.code


@pytest.fixture
def camera_jpeg() -> bytes:
    """A 3200×1600 camera photo stored sideways (orientation 6) with GPS, XMP and a comment."""
    image = Image.new("RGB", (3200, 1600), BLUE)
    image.paste(RED, (0, 0, 1600, 1600))  # the stored left half, the visual top
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6
    content = encode(
        image, "JPEG", exif=exif.tobytes(), comment=b"home address", xmp=b"<x:xmpmeta/>"
    )
    with Image.open(io.BytesIO(content)) as source:
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture must carry GPS"
        assert {"exif", "comment", "xmp"} <= source.info.keys()
    return content


def test_camera_photo_renditions_are_jpegs_within_the_limits(camera_jpeg):
    renditions = make_renditions(upload(camera_jpeg))

    assert renditions.keys() == RENDITIONS.keys()
    for key, rendition in renditions.items():
        assert rendition.content_type == "image/jpeg"
        assert max(rendition.width, rendition.height) == RENDITIONS[key]
        with opened(rendition) as image:
            assert image.format == "JPEG"
            assert image.size == (rendition.width, rendition.height)


def test_camera_photo_renditions_carry_no_metadata(camera_jpeg):
    renditions = make_renditions(upload(camera_jpeg))

    for rendition in renditions.values():
        with opened(rendition) as image:
            assert len(image.getexif()) == 0
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert not {"exif", "comment", "xmp", "icc_profile"} & image.info.keys()


def test_camera_photo_is_turned_upright(camera_jpeg):
    renditions = make_renditions(upload(camera_jpeg))

    large = renditions["large"]
    assert (large.width, large.height) == (800, 1600)
    with opened(large) as image:
        top, bottom = image.getpixel((400, 10)), image.getpixel((400, 1590))
    assert top[0] > 200 and top[2] < 50  # red
    assert bottom[2] > 200 and bottom[0] < 50  # blue
    assert (renditions["thumb"].width, renditions["thumb"].height) == (240, 480)


def test_transparent_png_is_accepted_and_flattened_onto_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((*RED, 255), (50, 25, 150, 75))

    renditions = make_renditions(upload(encode(image, "PNG"), "logo.png", "image/png"))

    with opened(renditions["thumb"]) as result:
        assert result.mode == "RGB"
        assert all(channel > 245 for channel in result.getpixel((5, 5)))
        center = result.getpixel((100, 50))
        assert center[0] > 240 and center[1] < 15 and center[2] < 15


def test_webp_is_accepted():
    content = encode(Image.new("RGB", (64, 48), RED), "WEBP")

    renditions = make_renditions(upload(content, "photo.webp", "image/webp"))

    assert renditions["large"].content_type == "image/jpeg"


def test_small_photo_is_not_enlarged():
    renditions = make_renditions(upload(encode(Image.new("RGB", (120, 80), RED), "JPEG")))

    assert {(r.width, r.height) for r in renditions.values()} == {(120, 80)}


def test_rendition_names_are_random_and_never_contain_the_uploaded_name(camera_jpeg):
    renditions = make_renditions(upload(camera_jpeg, "ons-huis-dorpsstraat-12.jpg"))
    again = make_renditions(upload(camera_jpeg, "ons-huis-dorpsstraat-12.jpg"))

    for key, rendition in renditions.items():
        assert re.fullmatch(rf"[0-9a-f]{{32}}-{key}\.jpg", rendition.name)
        assert rendition.content.name == rendition.name
        assert "huis" not in rendition.name
        assert rendition.name != again[key].name


def test_validation_leaves_the_upload_rewound():
    photo = upload(encode(Image.new("RGB", (10, 10)), "JPEG"))
    photo.read(5)

    validate_image_upload(photo)

    assert photo.tell() == 0


def test_text_file_named_jpg_is_not_an_image():
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(b"Dear neighbours,\nsee you on Saturday!\n"))

    assert error.value.code == "not_an_image"
    with translation.override("en"):
        assert "not a photo we can read" in error.value.messages[0]


def test_empty_file_is_not_an_image():
    assert rejection_code(b"") == "not_an_image"


def test_gif_is_an_unsupported_format_and_the_message_names_it():
    content = encode(Image.new("P", (10, 10)), "GIF")

    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(content, "animation.gif", "image/gif"))

    assert error.value.code == "unsupported_format"
    with translation.override("en"):
        assert error.value.messages == ["Photos must be JPEG, PNG or WebP; this file is GIF."]


@pytest.mark.parametrize(
    "payload",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    ],
)
def test_script_payloads_named_jpg_are_refused(payload):
    assert rejection_code(payload, "photo.jpg") == "not_an_image"


def test_file_over_the_size_limit_is_too_large():
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(b"\xff" * (MAX_UPLOAD_BYTES + 1)))

    assert error.value.code == "too_large"
    with translation.override("en"):
        assert error.value.messages == ["The photo is larger than 20 MB."]


def test_size_limit_is_checked_against_the_current_setting(monkeypatch):
    content = noisy_jpeg()
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", len(content) - 1)

    assert rejection_code(content) == "too_large"


def test_truncated_jpeg_is_refused():
    content = noisy_jpeg()

    assert rejection_code(content[: len(content) // 2]) == "not_an_image"


def test_png_with_a_bad_checksum_is_refused():
    content = bytearray(encode(Image.new("RGB", (50, 50), RED), "PNG"))
    idat = content.index(b"IDAT")
    (length,) = struct.unpack(">I", content[idat - 4 : idat])
    # Decoding alone ignores the image data's checksum; only Pillow's verify() checks it.
    content[idat + 4 + length] ^= 0xFF

    assert rejection_code(bytes(content), "photo.png") == "not_an_image"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 6_000),  # above our limit, below Pillow's own
        (100_000, 100_000),  # above Pillow's DecompressionBombError limit too
    ],
)
def test_header_claiming_too_many_pixels_is_refused_before_decoding(width, height):
    assert rejection_code(png_claiming_size(width, height), "bomb.png") == "too_many_pixels"


def jpeg_claiming_size(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims the given dimensions."""
    data = bytearray(encode(Image.new("RGB", (8, 8), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    # Marker (2) + length (2) + precision (1), then height and width.
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_a_jpeg_header_above_52_megapixels_is_refused_before_decoding():
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(jpeg_claiming_size(8_000, 6_600)))

    assert error.value.code == "too_many_pixels"
    with translation.override("en"):
        assert "more than 52 million pixels" in error.value.messages[0]


def test_a_png_has_a_lower_pixel_limit_than_a_jpeg():
    # 16 MP: within the JPEG limit, but a PNG is decoded at full size.
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(png_claiming_size(4_000, 4_000), "graph.png"))

    assert error.value.code == "too_many_pixels"
    with translation.override("en"):
        assert "more than 12 million pixels" in error.value.messages[0]


def test_the_webp_pixel_limit_applies_to_real_images(monkeypatch):
    monkeypatch.setitem(images.MAX_PIXELS_FULL_DECODE, "WEBP", 100 * 100)

    with pytest.raises(ValidationError) as error:
        make_renditions(upload(encode(Image.new("RGB", (101, 100)), "WEBP"), "photo.webp"))

    assert error.value.code == "too_many_pixels"


def test_a_progressive_jpeg_has_the_lower_multi_scan_limit(monkeypatch):
    # A progressive JPEG makes libjpeg buffer the whole image, whatever scale it decodes at.
    monkeypatch.setattr(images, "MAX_PIXELS_MULTI_SCAN", 100 * 100)
    image = Image.effect_noise((101, 100), 40).convert("RGB")

    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload(encode(image, "JPEG", progressive=True)))
    validate_image_upload(upload(encode(image, "JPEG")))  # one scan: within MAX_PIXELS

    assert error.value.code == "too_many_pixels"


def test_a_large_jpeg_is_reduced_while_decoding_and_keeps_its_colours():
    # Given a 6000×4000 JPEG: left half red, right half blue
    image = Image.new("RGB", (6000, 4000), BLUE)
    image.paste(RED, (0, 0, 3000, 4000))

    # When it is turned into renditions
    renditions = make_renditions(upload(encode(image, "JPEG", quality=90)))

    # Then each has the exact rendition size and the same picture
    assert {key: (r.width, r.height) for key, r in renditions.items()} == {
        "large": (1600, 1067),
        "thumb": (480, 320),
    }
    with opened(renditions["large"]) as result:
        left, right = result.getpixel((200, 500)), result.getpixel((1400, 500))
    assert left[0] > 240 and left[2] < 15
    assert right[2] > 240 and right[0] < 15


def test_pixel_limit_applies_to_real_images(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)

    with pytest.raises(ValidationError) as error:
        make_renditions(upload(encode(Image.new("RGB", (101, 100)), "JPEG")))

    assert error.value.code == "too_many_pixels"


def test_saved_renditions_exist_in_the_storage(tmp_path, camera_jpeg):
    storage = FileSystemStorage(location=tmp_path)
    renditions = make_renditions(upload(camera_jpeg))

    stored = save_renditions(renditions, folder="initiatives/42", storage=storage)

    assert stored.keys() == renditions.keys()
    for key, name in stored.items():
        assert name == f"initiatives/42/{renditions[key].name}"
        assert storage.exists(name)
        with storage.open(name) as file, Image.open(file) as image:
            assert image.format == "JPEG"
            assert image.size == (renditions[key].width, renditions[key].height)
