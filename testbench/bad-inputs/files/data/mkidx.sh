#!/bin/sh
# Writes a tiny Fashion-MNIST folder for the bad-input cases:
#   mkidx.sh DIR [N_TRAIN [N_TEST]]   (defaults 20 and 10)
# four IDX files under the Debian names (plain, not gzipped: zlib reads both)
# with N 28x28 images of pixel value i % 256 and labels i % 10. Cases then
# break one file.
set -eu
dir=$1 ntr=${2:-20} nte=${3:-10}
mkdir -p "$dir"
be32() { # big-endian 32-bit
  for s in 24 16 8 0; do printf "\\$(printf %03o $((($1 >> s) & 255)))"; done
}
images() { # FILE N
  { printf '\000\000\010\003'; be32 "$2"; be32 28; be32 28
    i=0; while [ $i -lt "$2" ]; do
      head -c 784 /dev/zero | tr '\000' "\\$(printf %03o $((i % 256)))"; i=$((i + 1))
    done; } > "$1"
}
labels() { # FILE N
  { printf '\000\000\010\001'; be32 "$2"
    i=0; while [ $i -lt "$2" ]; do printf "\\$(printf %03o $((i % 10)))"; i=$((i + 1)); done
  } > "$1"
}
images "$dir/train-images-idx3-ubyte.gz" "$ntr"
labels "$dir/train-labels-idx1-ubyte.gz" "$ntr"
images "$dir/t10k-images-idx3-ubyte.gz" "$nte"
labels "$dir/t10k-labels-idx1-ubyte.gz" "$nte"
