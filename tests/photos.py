"""Photo fixtures' metadata for tests: what a phone camera writes into a JPEG."""

from PIL import ExifTags, Image


def gps_exif() -> Image.Exif:
    """EXIF naming the camera and where the photo was taken (a GPS position in Utrecht)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 10.0)
    return exif
