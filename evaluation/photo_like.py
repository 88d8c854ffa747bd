#!/usr/bin/env python3
"""Builds a photo-like evaluation set from Fashion-MNIST t10k images and reports how a cnnclassify
model does on each variant.

    python3 evaluation/photo_like.py [--count 1000] [--source test|validation] [--model Models/fashion.cnnw]
        [--cnnclassify .build/release/cnnclassify] [--out /tmp/cnnclassify-photo-like] [--data DIR]
        [--seed 1] [--variants crop,photo,...] [--keep]

Needs numpy and Pillow (pip install numpy pillow); they only make the images, which cnnclassify
then reads like any user's files. Each variant is made from the same first --count t10k images
(or, with --source validation, of the validation images, the last 5,000 of the training file,
on which preprocessing choices are made) (file names end in _<label>), with per-image random
choices from --seed:

  crop         the 28x28 crop as a gray PNG: the reference, equal to the IDX images
  photo        dark on an off-white, slightly uneven background, 10-40x larger, off-centre with
               margins, rotated by up to 8 degrees, with sensor noise, RGB JPEG quality 70-95
  photo-exif   like photo, but stored turned by 90, 180 or 270 degrees with the EXIF orientation
               tag that turns it back (as phones do)
  cutout       an RGBA cut-out: the item in a colour on a transparent background, 8-16x
  gray16       a 16-bit gray PNG, dark on white, 10x
  palette      a 64-colour palette PNG, dark on white, 12x
  progressive  a progressive gray JPEG, quality 85, 20x
  cmyk         a CMYK JPEG (Adobe, inverted channels), 15x
  small        a 64x64 RGB JPEG at quality 50: a thumbnail

Prints one table row per variant: images, accuracy, the difference from the crop variant's
accuracy, and the share flagged low confidence.
"""
import argparse
import gzip
import os
import subprocess
import sys

import numpy as np
from PIL import Image

VARIANTS = ["crop", "photo", "photo-exif", "cutout", "gray16", "palette", "progressive", "cmyk", "small"]
EXIF_ORIENTATION = 0x0112


def load_images(directory, source, count):
    """The first `count` t10k images, or of the validation images (the last 5,000 of the training
    file, which training holds out): choices are made on those, t10k only measures."""
    prefix, start = ("t10k", 0) if source == "test" else ("train", 55000)
    with gzip.open(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images[start:start + count], labels[start:start + count]


def dark_on_white(crop, factor):
    """The item as a product photo shows it: dark on white, `factor` times larger (bicubic)."""
    ink = Image.fromarray(255 - crop, "L")
    return ink.resize((28 * factor, 28 * factor), Image.BICUBIC)


def photo(crop, rng, factor=None):
    factor = factor or int(rng.integers(10, 41))
    item = dark_on_white(crop, factor).rotate(float(rng.uniform(-8, 8)), Image.BICUBIC, expand=True, fillcolor=255)
    side = item.size[0]
    left, right, top, bottom = (int(side * rng.uniform(0.05, 0.6)) for _ in range(4))
    width, height = side + left + right, side + top + bottom
    # An off-white background, brighter on one side, tinted a little: a light box or a wall.
    base = rng.uniform(225, 250)
    ramp = np.linspace(0, rng.uniform(-12, 12), width)[None, :] + np.linspace(0, rng.uniform(-12, 12), height)[:, None]
    background = np.clip(base + ramp, 0, 255)
    canvas = np.array(background)
    patch = np.asarray(item, dtype=np.float64)
    region = canvas[top:top + side, left:left + side]
    # The item darkens the background it stands on (multiplicative, like ink or a shadowless object).
    canvas[top:top + side, left:left + side] = region * patch / 255
    tint = rng.uniform(0.92, 1.0, size=3)
    rgb = np.stack([canvas * t for t in tint], axis=-1)
    rgb += rng.normal(0, 3, size=rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB"), int(rng.integers(70, 96))


def exif_turned(image, rng, orientation=None):
    """The pixels as a sideways camera stores them, and the EXIF orientation that undoes it."""
    orientation = orientation or int(rng.choice([3, 6, 8]))
    stored = {3: image.transpose(Image.ROTATE_180), 6: image.transpose(Image.ROTATE_90),
              8: image.transpose(Image.ROTATE_270)}[orientation]
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return stored, exif


def cutout(crop, rng):
    factor = int(rng.integers(8, 17))
    mask = np.asarray(Image.fromarray(crop, "L").resize((28 * factor, 28 * factor), Image.BICUBIC))
    colour = rng.integers(20, 200, size=3)
    shade = 1 - mask[..., None] / 255 * 0.5
    rgb = np.clip(colour[None, None, :] * shade, 0, 255)
    alpha = np.where(mask > 12, 255, 0)
    return Image.fromarray(np.dstack([rgb, alpha]).astype(np.uint8), "RGBA")


def write_variant(variant, crop, path, rng):
    if variant == "crop":
        Image.fromarray(crop, "L").save(path + ".png")
    elif variant == "photo":
        image, quality = photo(crop, rng)
        image.save(path + ".jpg", quality=quality)
    elif variant == "photo-exif":
        image, quality = photo(crop, rng)
        stored, exif = exif_turned(image, rng)
        stored.save(path + ".jpg", quality=quality, exif=exif)
    elif variant == "cutout":
        cutout(crop, rng).save(path + ".png")
    elif variant == "gray16":
        wide = (np.asarray(dark_on_white(crop, 10), dtype=np.uint16) * 257).astype(">u2")
        Image.frombytes("I;16B", (280, 280), wide.tobytes()).save(path + ".png")
    elif variant == "palette":
        dark_on_white(crop, 12).convert("RGB").quantize(64).save(path + ".png")
    elif variant == "progressive":
        dark_on_white(crop, 20).save(path + ".jpg", quality=85, progressive=True)
    elif variant == "cmyk":
        dark_on_white(crop, 15).convert("CMYK").save(path + ".jpg", quality=90)
    elif variant == "small":
        dark_on_white(crop, 3).resize((64, 64), Image.BICUBIC).convert("RGB").save(path + ".jpg", quality=50)


def classify(binary, model, folder):
    command = [binary, "--format", "tsv", folder] + (["--model", model] if model else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    return [(row[0], row[1], row[3] == "true") for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--source", choices=["test", "validation"], default="test",
                        help="t10k (test) or the validation images held out of the training file")
    parser.add_argument("--out", default="/tmp/cnnclassify-photo-like")
    parser.add_argument("--cnnclassify", default=".build/release/cnnclassify")
    parser.add_argument("--model", default=None, help="weight file (default: the one cnnclassify finds)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--keep", action="store_true", help="reuse images already in --out (made with the same --seed and --count)")
    args = parser.parse_args()

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    images, labels = load_images(args.data, args.source, args.count)
    variants = args.variants.split(",")
    print(f"| variant | images | accuracy | vs crop | low confidence |")
    print(f"|---|---|---|---|---|")
    reference = None
    for variant in variants:
        folder = os.path.join(args.out, variant)
        os.makedirs(folder, exist_ok=True)
        if not (args.keep and len(os.listdir(folder)) == len(images)):
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            for i, (crop, label) in enumerate(zip(images, labels)):
                rng = np.random.default_rng([args.seed, VARIANTS.index(variant), i])
                write_variant(variant, crop, os.path.join(folder, f"{i:05d}_{label}"), rng)
        results = classify(args.cnnclassify, args.model, folder)
        if len(results) != len(images):
            sys.exit(f"{variant}: cnnclassify answered for {len(results)} of {len(images)} images")
        right = sum(classes[int(os.path.splitext(path)[0].rsplit("_", 1)[1])] == predicted for path, predicted, _ in results)
        flagged = sum(low for _, _, low in results)
        accuracy = 100 * right / len(results)
        if reference is None:
            reference = accuracy
        print(f"| {variant} | {len(results)} | {accuracy:.2f}% | {accuracy - reference:+.2f} | {100 * flagged / len(results):.1f}% |",
              flush=True)


if __name__ == "__main__":
    main()
