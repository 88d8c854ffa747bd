#!/usr/bin/env python3
"""Writes the sample images in this folder from the Fashion-MNIST t10k test set.

    python3 Samples/make_samples.py [--data DIR]

Needs numpy. Each sample is made from one t10k image (its true class is the image's label):
  boot.png           the 28x28 crop itself, as the data set has it (image 0)
  sneaker-photo.png  a 900x700 RGB product shot: the sneaker drawn dark on white, 20x larger,
                     off-centre (the first t10k sneaker)
  dress-cutout.png   a 336x336 RGBA cut-out: the dress in colour on a transparent background
                     (the first t10k dress)
"""
import argparse
import gzip
import os
import struct
import zlib

import numpy as np


def write_png(path, pixels, color_type):
    """Writes an 8-bit PNG; `pixels` is height x width (gray) or height x width x channels."""
    height, width = pixels.shape[:2]
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()
    with gzip.open(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    here = os.path.dirname(os.path.abspath(__file__))

    write_png(os.path.join(here, "boot.png"), images[0], 0)

    sneaker = images[list(labels).index(7)]
    canvas = np.full((700, 900), 255, np.uint8)
    canvas[60:620, 200:760] = np.kron(255 - sneaker, np.ones((20, 20), np.uint8))
    photo = np.stack([canvas, canvas, (canvas.astype(int) * 9 // 10).astype(np.uint8)], axis=-1)
    write_png(os.path.join(here, "sneaker-photo.png"), photo, 2)

    dress = np.kron(images[list(labels).index(3)], np.ones((12, 12), np.uint8))
    ink = 255 - dress
    cutout = np.stack([ink, ink // 2, ink // 3, (dress > 10).astype(np.uint8) * 255], axis=-1)
    write_png(os.path.join(here, "dress-cutout.png"), cutout, 6)


if __name__ == "__main__":
    main()
