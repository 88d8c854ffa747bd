#!/bin/sh
# Makes the shipped model, Models/fashion.cnnw: the fashion network trained on Fashion-MNIST with
# the real photos of one quarter of PHOTOS mixed into every batch, and its low-confidence flag
# fitted on another quarter. The other half of PHOTOS (`--part measure`) is never used, so that
# `cnnclassify evaluate --photos … --part measure` measures the model on photos it has not seen.
# Usage: Models/train-fashion.sh [PHOTOS]   (default: ../shared/real-photos/clothing-dataset-small)
# Same seed and thread count, same weights; about 45 minutes on 2 cores (2,607 s of training on 2026-12-04).
set -eu
photos=${1:-../shared/real-photos/clothing-dataset-small}
cnnclassify=${CNNCLASSIFY:-.build/release/cnnclassify}
mkdir -p data
"$cnnclassify" prepare "$photos/train" --mapping "$photos/mapping.tsv" --part train --output data/photos-train
"$cnnclassify" prepare "$photos/train" --mapping "$photos/mapping.tsv" --part validation --output data/photos-validation
"$cnnclassify" train --arch fashion --seed 1 --epochs 55 --extra data/photos-train:0.1 --report docs/training
"$cnnclassify" calibrate Models/fashion.cnnw --photos data/photos-validation
