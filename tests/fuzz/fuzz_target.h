/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

/*
 * libFuzzer's entry point, defined by each target: runs one input, returns 0; a broken
 * property aborts. With -Dfuzz=true libFuzzer drives it; otherwise replay_corpus.c replays a
 * committed corpus through it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_TARGET_H */
