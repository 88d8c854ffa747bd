#!/usr/bin/env python3
"""Writes the sample images in this folder from the Fashion-MNIST t10k test set.

    python3 Samples/make_samples.py [--data DIR]

Needs numpy and Pillow (pip install numpy pillow). For each class it takes the class's first
t10k image as a 28x28 crop (<class>-crop.png) and its second image in one of the formats users
have, made with the image functions of evaluation/photo_like.py:

  t-shirt-photo.jpg       product photo, dark on off-white, off-centre, slightly turned, noisy
  trouser-exif.jpg        the same kind of photo stored sideways with EXIF orientation 6
  pullover-cutout.png     a transparent RGBA cut-out in colour
  dress-16bit.png         a 16-bit gray PNG
  coat-photo.jpg          product photo
  sandal-progressive.jpg  a progressive gray JPEG
  shirt-palette.png       a 64-colour palette PNG
  sneaker-photo.jpg       product photo
  bag-cmyk.jpg            a CMYK JPEG
  ankle-boot-exif.jpg     the same kind of photo stored turned the other way, EXIF orientation 8
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "evaluation"))
import photo_like  # noqa: E402

SLUGS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
# (file suffix, how it is made) for each class's second image.
FORMATS = ["photo.jpg", "exif.jpg", "cutout.png", "16bit.png", "photo.jpg", "progressive.jpg", "palette.png",
           "photo.jpg", "cmyk.jpg", "exif.jpg"]


def write(kind, crop, path, rng, label):
    if kind == "photo.jpg":
        image, _ = photo_like.photo(crop, rng, factor=20)
        image.save(path, quality=90)
    elif kind == "exif.jpg":
        image, _ = photo_like.photo(crop, rng, factor=20)
        stored, exif = photo_like.exif_turned(image, rng, orientation=6 if label == 1 else 8)
        stored.save(path, quality=90, exif=exif)
    else:
        variant = {"cutout.png": "cutout", "16bit.png": "gray16", "progressive.jpg": "progressive",
                   "palette.png": "palette", "cmyk.jpg": "cmyk"}[kind]
        stem, _ = os.path.splitext(path)
        photo_like.write_variant(variant, crop, stem, rng)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()
    images, labels = photo_like.load_t10k(args.data, 10000)
    for label, slug in enumerate(SLUGS):
        first, second = [i for i in range(len(labels)) if labels[i] == label][:2]
        Image.fromarray(images[first], "L").save(os.path.join(HERE, f"{slug}-crop.png"))
        rng = np.random.default_rng([7, label])
        write(FORMATS[label], images[second], os.path.join(HERE, f"{slug}-{FORMATS[label]}"), rng, label)


if __name__ == "__main__":
    main()
