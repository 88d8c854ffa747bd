#!/usr/bin/env python3
"""Reference figure for `cnnclassify benchmark`: the same basic network trained by PyTorch on CPU.

Trains the basic architecture (conv 3x3x32 pad 1, ReLU, max-pool 2, conv 3x3x64 pad 1, ReLU,
max-pool 2, dense 3136->128, ReLU, dropout 0.3, dense 128->10) with Adam (lr 0.001) on
Fashion-MNIST training images, and prints the median training images/s over --repeats runs of
--images images each, like `cnnclassify benchmark` does. Needs `pip install torch numpy`; it is a
measuring tool only, never used by cnnclassify itself.

    python3 benchmarks/pytorch_basic.py --threads 2
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--images", type=int, default=12800)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images, labels = load_images(args.data, args.images)
    rates = []
    for _ in range(args.repeats):
        model = basic_network()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        loss_function = nn.CrossEntropyLoss()
        model.train()
        start = time.perf_counter()
        for first in range(0, args.images, args.batch_size):
            x, y = images[first:first + args.batch_size], labels[first:first + args.batch_size]
            optimizer.zero_grad()
            loss_function(model(x), y).backward()
            optimizer.step()
        rates.append(args.images / (time.perf_counter() - start))
    print(f"pytorch {torch.__version__}: {args.threads} threads, median of {args.repeats} runs")
    print(f"basic training (batch {args.batch_size}):  {statistics.median(rates):,.0f} images/s")


if __name__ == "__main__":
    main()
