#!/usr/bin/env python3
"""Reference figures for `cnnclassify benchmark`: the same networks in PyTorch on CPU.

Training (the default): trains `--arch basic` (conv 3x3x32 pad 1, ReLU, max-pool 2, conv 3x3x64
pad 1, ReLU, max-pool 2, dense 3136->128, ReLU, dropout 0.3, dense 128->10; Adam, lr 0.001,
batch 64) or `--arch fashion`, the shipped network (three 3x3 convolutions of 32, 64 and 64
filters without bias, each followed by batch normalisation and ReLU, max-pool 2 after the first
and the third, dense 3136->256, ReLU, dropout 0.3, dense 256->10; plain SGD, lr 0.05, batch 128,
6,400 images, as `cnnclassify benchmark` trains it) on Fashion-MNIST training images, and prints
the median training images/s over --repeats runs, in the same form as `cnnclassify benchmark`.

`--classify DIR`: the folder figure, whole script after `import torch`: every PNG below DIR
decoded with Pillow, then the fashion network's forward pass in batches of 256 (random weights:
the speed does not depend on them).

Needs `pip install torch numpy pillow`; a measuring tool only, never used by cnnclassify itself.

    python3 benchmarks/pytorch_reference.py --arch fashion --threads 2
    python3 benchmarks/pytorch_reference.py --classify /tmp/pngs --threads 2
"""
import argparse
import gzip
import os
import statistics
import time

import numpy as np
import torch
from torch import nn


def load_images(directory, count):
    path = os.path.join(directory, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    images = data.reshape(-1, 1, 28, 28)[:count].astype(np.float32) / 255
    return torch.from_numpy(images), torch.from_numpy(labels[:count].astype(np.int64))


def basic_network():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
    )


def fashion_network():
    def block(inputs, filters):
        return [nn.Conv2d(inputs, filters, 3, padding=1, bias=False), nn.BatchNorm2d(filters), nn.ReLU()]
    return nn.Sequential(
        *block(1, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10),
    )


# network, optimizer, batch size, images per run: as `cnnclassify benchmark` runs them.
RECIPES = {
    "basic": (basic_network, lambda p: torch.optim.Adam(p, lr=0.001), 64, 12800),
    "fashion": (fashion_network, lambda p: torch.optim.SGD(p, lr=0.05), 128, 6400),
}


def train(args):
    make_network, make_optimizer, batch_size, count = RECIPES[args.arch]
    images, labels = load_images(args.data, count)
    rates = []
    for _ in range(args.repeats):
        model = make_network()
        optimizer = make_optimizer(model.parameters())
        loss_function = nn.CrossEntropyLoss()
        model.train()
        start = time.perf_counter()
        for first in range(0, count, batch_size):
            x, y = images[first:first + batch_size], labels[first:first + batch_size]
            optimizer.zero_grad()
            loss_function(model(x), y).backward()
            optimizer.step()
        rates.append(count / (time.perf_counter() - start))
    print(f"pytorch {torch.__version__}: {args.threads} threads, median of {args.repeats} runs")
    print(f"{args.arch} training (batch {batch_size}): {statistics.median(rates):,.0f} images/s")


def classify(args):
    from PIL import Image
    start = time.perf_counter()
    paths = sorted(os.path.join(root, name) for root, _, names in os.walk(args.classify)
                   for name in names if name.lower().endswith(".png"))
    model = fashion_network().eval()
    with torch.inference_mode():
        for first in range(0, len(paths), 256):
            pixels = np.stack([np.asarray(Image.open(p).convert("L").resize((28, 28)), dtype=np.float32)
                               for p in paths[first:first + 256]])
            model(torch.from_numpy(pixels / 255).unsqueeze(1)).softmax(1)
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__}: {args.threads} threads")
    print(f"classify folder ({len(paths):,} PNGs): {len(paths) / seconds:,.0f} images/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(RECIPES), default="fashion")
    parser.add_argument("--classify", metavar="DIR", help="time classifying the PNGs below DIR instead of training")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    classify(args) if args.classify else train(args)


if __name__ == "__main__":
    main()
