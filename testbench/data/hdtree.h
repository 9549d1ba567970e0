/* A small Heidelberg-Digits tree made by the tests: one pure tone per HD
 * class (so each sample's features identify its file), 16-bit FLAC files
 * named and listed as in the real HD release. */
#ifndef AIMC_TEST_HDTREE_H
#define AIMC_TEST_HDTREE_H

#include <stddef.h>

/* Frequency of HD class h's tone: 300 Hz * 1.15^h (300 Hz to 4.3 kHz). */
double hdtree_tone_Hz(int hd_label);
/* Samples of the file (speaker, trial, digit, language). */
size_t hdtree_samples(int rate_Hz, int speaker, int trial, int digit, int lang);
/* Writes one FLAC tone file at dir/audio/name (sample rate rate_Hz). */
void hdtree_write_audio(const char *dir, int rate_Hz, int speaker, int trial,
                        int digit, int lang);
/* Makes the tree: speakers 0..n_speakers-1 (the last one is the test
 * speaker), n_trials trials, both languages, digits 0..9. */
void hdtree_make(const char *dir, int rate_Hz, int n_speakers, int n_trials);
/* File name of (speaker, trial, digit, language). */
void hdtree_name(char *buf, size_t len, int speaker, int trial, int digit,
                 int lang);

#endif
