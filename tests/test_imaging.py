"""Image I/O: every kind of input file, colour management, atomic and safe writing, metadata."""

from __future__ import annotations

import errno
import os
import re
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms

from dreamstyle.errors import ImageReadError, ImageWriteError, InvalidArgumentError, OutputExistsError
from dreamstyle.imaging import (
    Picture,
    as_picture,
    check_output_path,
    fit_longest_side,
    read_image,
    read_metadata,
    resize_longest_side,
    write_image,
)
from dreamstyle.imaging.deep_colour import png_bytes
from dreamstyle.imaging.picture import srgb_icc_bytes
from dreamstyle.imaging.write import check_writable


def test_sixteen_bit_png_keeps_its_precision(tmp_path):
    ramp = (np.arange(64 * 32, dtype=np.uint32).reshape(32, 64) * 31).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    picture = read_image(path)
    expected = torch.from_numpy(ramp.astype(np.float32) / 65535.0)
    for channel in picture.rgb:
        torch.testing.assert_close(channel, expected, rtol=0, atol=1e-7)
    assert len(torch.unique(picture.rgb[0])) > 256  # more levels than 8 bits could hold


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("channels", [3, 4])
def test_sixteen_bit_colour_files_keep_every_bit_with_alpha_and_settings(tmp_path, suffix, channels):
    samples = torch.arange(channels * 20 * 30, dtype=torch.float32).reshape(channels, 20, 30) * 17 % 65536
    picture = Picture(rgb=samples[:3] / 65535, alpha=samples[3:] / 65535 if channels == 4 else None, bit_depth=16)
    path = write_image(picture, tmp_path / f"deep{suffix}", metadata={"seed": 5})
    back = read_image(path)
    assert back.bit_depth == 16 and torch.equal(back.rgb, picture.rgb)
    assert (back.alpha is None) == (channels == 3) and (back.alpha is None or torch.equal(back.alpha, picture.alpha))
    assert read_metadata(path) == {"seed": 5}
    opened = Image.open(path)  # other readers see a normal file with an sRGB profile
    assert opened.mode == ("RGB" if channels == 3 else "RGBA") and opened.info["icc_profile"]


def test_a_sixteen_bit_picture_is_written_8_bit_where_the_format_has_no_16(tmp_path):
    picture = Picture(rgb=torch.full((3, 4, 4), 0.5), bit_depth=16)
    assert Image.open(write_image(picture, tmp_path / "x.jpg")).mode == "RGB"
    assert read_image(tmp_path / "x.jpg").bit_depth == 8


def test_a_sixteen_bit_file_is_turned_upright_by_its_exif_orientation(tmp_path):
    samples = (np.arange(3 * 5 * 7).reshape(5, 7, 3) * 1000).astype(np.uint16)
    plain = png_bytes(samples, srgb_icc_bytes(), {})
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned left: shown rotated 90 degrees clockwise
    eXIf = exif.tobytes()[len(b"Exif\0\0"):]  # a PNG eXIf chunk holds the TIFF structure alone
    chunk = struct.pack(">I", len(eXIf)) + b"eXIf" + eXIf + struct.pack(">I", zlib.crc32(b"eXIf" + eXIf))
    end = plain.index(b"IDAT") - 4
    (tmp_path / "turned.png").write_bytes(plain[:end] + chunk + plain[end:])
    upright = read_image(tmp_path / "turned.png")
    assert upright.bit_depth == 16 and upright.rgb.shape == (3, 7, 5)
    expected = torch.rot90(torch.from_numpy(samples.astype(np.float32) / 65535).permute(2, 0, 1), -1, (1, 2))
    assert torch.equal(upright.rgb, expected)


def test_grayscale_and_palette_become_rgb(tmp_path, data_dir):
    gray = Image.open(data_dir / "chelsea.png").convert("L")
    gray.info.pop("icc_profile")  # an RGB profile does not describe gray pixels
    gray.save(tmp_path / "gray.png")
    picture = read_image(tmp_path / "gray.png")
    assert picture.rgb.shape[0] == 3 and torch.equal(picture.rgb[0], picture.rgb[2])
    gray.convert("P").save(tmp_path / "palette.gif")
    assert read_image(tmp_path / "palette.gif").rgb.shape == (3, 300, 451)


def test_cmyk_is_converted_to_rgb(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "red.tif")
    red = read_image(tmp_path / "red.tif").rgb[:, 0, 0]
    assert red[0] > 0.9 and red[1] < 0.1 and red[2] < 0.1


def test_alpha_is_kept_aside_and_restored(tmp_path):
    rgba = np.zeros((16, 16, 4), dtype=np.uint8)
    rgba[..., 0] = 200
    rgba[:, 8:, 3] = 255  # right half opaque, left transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cut.png")
    picture = read_image(tmp_path / "cut.png")
    assert picture.rgb.shape == (3, 16, 16) and picture.alpha is not None
    write_image(picture, tmp_path / "out.png")
    write_image(picture, tmp_path / "out.jpg")
    restored = Image.open(tmp_path / "out.png")
    assert restored.mode == "RGBA" and np.array_equal(np.asarray(restored)[..., 3], rgba[..., 3])
    assert Image.open(tmp_path / "out.jpg").mode == "RGB"


def test_opaque_alpha_is_dropped(tmp_path):
    Image.new("RGBA", (8, 8), (1, 2, 3, 255)).save(tmp_path / "opaque.png")
    assert read_image(tmp_path / "opaque.png").alpha is None


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = (255, 0, 0)  # left half red as stored
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # stored rotated: display turns it 90 degrees clockwise
    image.save(tmp_path / "rotated.jpg", exif=exif.tobytes(), quality=98)
    picture = read_image(tmp_path / "rotated.jpg")
    assert picture.rgb.shape == (3, 40, 20)
    assert picture.rgb[0, :18].mean() > 0.9 and picture.rgb[0, 22:].mean() < 0.1  # red is now on top


def _srgb_with_red_and_blue_swapped() -> bytes:
    """A real ICC profile whose red and blue primaries are exchanged."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", profile[128:132])[0]
    entries = {bytes(profile[132 + 12 * i:136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = entries[b"rXYZ"] + 4, entries[b"bXYZ"] + 4
    profile[red:red + 8], profile[blue:blue + 8] = profile[blue:blue + 8], profile[red:red + 8]
    return bytes(profile)


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path):
    Image.new("RGB", (4, 4), (255, 0, 0)).save(tmp_path / "tagged.png", icc_profile=_srgb_with_red_and_blue_swapped())
    pixel = read_image(tmp_path / "tagged.png").rgb[:, 0, 0]
    assert pixel[2] > 0.9 and pixel[0] < 0.1  # stored "red" means this profile's blue


@pytest.mark.parametrize("suffix", [".webp", ".bmp", ".tiff", ".gif", ".jpg"])
def test_common_formats_read(tmp_path, data_dir, suffix):
    Image.open(data_dir / "chelsea.png").save(tmp_path / f"cat{suffix}")
    picture = read_image(tmp_path / f"cat{suffix}", size=64)
    assert picture.rgb.shape == (3, 43, 64) and picture.rgb.dtype == torch.float32


def test_gif_reads_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    assert read_image(tmp_path / "anim.gif").rgb[0].mean() > 0.9


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("hello"), "not an image file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "(damaged|not an image)"),
        (None, "no such file"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path, make, message):
    path = tmp_path / "broken.png"
    if make:
        make(path)
    with pytest.raises(ImageReadError, match=message) as caught:
        read_image(path)
    assert str(path) in str(caught.value)


def test_truncated_image_is_a_clear_error(tmp_path, data_dir):
    whole = (data_dir / "chelsea.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImageReadError, match="cut.png: damaged or truncated"):
        read_image(path)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    Image.new("L", (64, 64)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageReadError, match="bomb.png: too many pixels"):
        read_image(tmp_path / "bomb.png")


def test_resize_by_longest_side_keeps_aspect(data_dir):
    assert fit_longest_side(300, 451, 128) == (85, 128)
    picture = read_image(data_dir / "chelsea.png", size=200)
    assert (picture.height, picture.width) == (133, 200)
    up = resize_longest_side(torch.rand(3, 10, 20), 40)
    assert up.shape == (3, 20, 40) and up.min() >= 0 and up.max() <= 1


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp", ".tif"])
def test_write_round_trip_with_metadata(tmp_path, data_dir, suffix):
    picture = read_image(data_dir / "chelsea.png", size=64)
    metadata = {"layers": "relu4_2:1", "seed": 7, "title": "Kätzchen"}
    path = write_image(picture, tmp_path / f"out{suffix}", metadata=metadata)
    assert read_metadata(path) == metadata
    again = read_image(path)
    tolerance = 0.002 if suffix in (".png", ".tif") else 0.03
    assert again.rgb.shape == picture.rgb.shape
    assert (again.rgb - picture.rgb).abs().mean() < tolerance


def test_unknown_output_extension_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match=r"unsupported output extension '.xyz'"):
        write_image(Picture(torch.rand(3, 4, 4)), tmp_path / "out.xyz")


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    path = tmp_path / "out.png"
    write_image(Picture(torch.zeros(3, 4, 4)), path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="pass overwrite=True"):
        write_image(Picture(torch.ones(3, 4, 4)), path)
    assert path.read_bytes() == before
    write_image(Picture(torch.ones(3, 4, 4)), path, overwrite=True)
    assert read_image(path).rgb.min() == 1.0


def test_output_folder_must_be_writable_before_any_work(tmp_path, monkeypatch):
    assert check_output_path(tmp_path / "new" / "deeper" / "out.png") == tmp_path / "new" / "deeper" / "out.png"
    assert not (tmp_path / "new").exists()  # checking makes no folder
    (tmp_path / "frames").mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as for a read-only disk, even for root
    with pytest.raises(ImageWriteError, match=re.escape(f"cannot write in {tmp_path} (no permission, or a read-only")):
        check_output_path(tmp_path / "new" / "out.png")
    with pytest.raises(ImageWriteError, match=re.escape(f"cannot write in {tmp_path / 'frames'} ")):
        check_writable(tmp_path / "frames", folder=True)


def test_a_folder_that_refuses_a_real_write_is_found_before_any_work_and_checking_leaves_nothing(tmp_path,
                                                                                                   monkeypatch):
    real_open = os.open

    def read_only(path, *args, **kwargs):  # a read-only disk that os.access does not know of
        if ".dreamstyle-probe" in str(path):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(ImageWriteError, match=re.escape(f"cannot write in {tmp_path} (Read-only file system)")):
        check_output_path(tmp_path / "new" / "out.png")
    monkeypatch.setattr(os, "open", real_open)
    check_output_path(tmp_path / "new" / "out.png")
    assert list(tmp_path.iterdir()) == []  # no probe file, no folder


def test_inputs_are_never_overwritten_even_with_force(tmp_path, data_dir):
    source = tmp_path / "in.png"
    source.write_bytes((data_dir / "chelsea.png").read_bytes())
    with pytest.raises(InvalidArgumentError, match="is an input file"):
        write_image(Picture(torch.zeros(3, 4, 4)), source, inputs=[source], overwrite=True)
    assert source.read_bytes() == (data_dir / "chelsea.png").read_bytes()


def test_failed_write_leaves_old_file_and_no_debris(tmp_path, monkeypatch):
    path = tmp_path / "out.png"
    write_image(Picture(torch.zeros(3, 8, 8)), path)
    before = path.read_bytes()

    def disk_full(descriptor):  # the bytes written so far reach the disk, the rest do not
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ImageWriteError, match="out.png: cannot write \\(No space left on device\\)"):
        write_image(Picture(torch.ones(3, 8, 8)), path, overwrite=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_interrupted_write_leaves_no_debris(tmp_path, monkeypatch):
    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(Picture(torch.ones(3, 8, 8)), tmp_path / "new.png")
    assert list(tmp_path.iterdir()) == []


def test_as_picture_accepts_paths_pil_and_tensors(data_dir):
    from_path = as_picture(data_dir / "chelsea.png", size=32)
    from_pil = as_picture(Image.open(data_dir / "chelsea.png"), size=32)
    from_tensor = as_picture(from_path.batch())
    assert from_path.rgb.shape == from_pil.rgb.shape == from_tensor.rgb.shape == (3, 21, 32)
    with pytest.raises(InvalidArgumentError, match=r"\(3, H, W\)"):
        as_picture(torch.rand(4, 8, 8))
