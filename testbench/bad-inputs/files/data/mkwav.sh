#!/bin/sh
# Writes a small PCM WAV file for the bad-input cases:
#   mkwav.sh OUT [FRAMES [RATE [CHANNELS [DATA_BYTES]]]]
# 16-bit samples of a slow ramp; DATA_BYTES (default: what FRAMES need) is
# what the header's data chunk claims, so a larger value makes a cut file.
set -eu
out=$1 frames=${2:-3200} rate=${3:-16000} ch=${4:-1}
bytes=$((frames * ch * 2))
claim=${5:-$bytes}
le32() { for s in 0 8 16 24; do printf "\\$(printf %03o $((($1 >> s) & 255)))"; done; }
le16() { for s in 0 8; do printf "\\$(printf %03o $((($1 >> s) & 255)))"; done; }
{
  printf 'RIFF'; le32 $((36 + claim)); printf 'WAVEfmt '
  le32 16; le16 1; le16 "$ch"; le32 "$rate"; le32 $((rate * ch * 2)); le16 $((ch * 2)); le16 16
  printf 'data'; le32 "$claim"
  # the samples: bytes 0..255 repeated (a sawtooth), written in blocks
  i=0; block=""
  while [ $i -lt 256 ]; do block="$block\\$(printf %03o $i)"; i=$((i + 1)); done
  left=$bytes
  while [ $left -ge 256 ]; do printf "$block"; left=$((left - 256)); done
  printf "$block" | head -c $left
} > "$out"
