/* Makes the bad-input suite's small Heidelberg-Digits tree: 2 speakers
 * (the second is the test speaker), 1 trial, both languages, 16 kHz FLAC
 * tones (testbench/data/hdtree.c).  usage: badinput_hdtree DIR */
#include <stdio.h>

#include "hdtree.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: badinput_hdtree DIR\n");
    return 2;
  }
  hdtree_make(argv[1], 16000, 2, 1);
  return 0;
}
