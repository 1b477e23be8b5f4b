/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzz target's short run for the normal suite (any compiler): a fixed number of
 * pseudo-random inputs from a fixed seed, biased towards implemented opcodes and plausible
 * lengths, then inputs that replay valid-looking create sequences. Reproducible: a failure names
 * the seed and input number. The long, coverage-guided run uses libFuzzer (docs/emulator.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fw_cmd.h"

/* xorshift64*: deterministic across platforms, unlike rand(). */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

int
main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x6d6c7835656d75ull;
	unsigned long inputs = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	uint8_t buf[16384];

	for (unsigned long n = 0; n < inputs; n++) {
		uint64_t s = seed + n * 0x9e3779b97f4a7c15ull;
		size_t len = 0;
		unsigned int records = 1 + next(&s) % 24;

		for (unsigned int r = 0; r < records && len + 7 + 300 < sizeof(buf); r++) {
			/* Mostly implemented opcodes and lengths near the layouts' sizes. */
			size_t inlen = (next(&s) % 4) ? 16 + next(&s) % 300 : next(&s) % 4200;
			size_t outlen = (next(&s) % 4) ? 16 + next(&s) % 300 : next(&s) % 4200;
			uint16_t sel = (uint16_t)((next(&s) % 8) ? 0x8000 | (next(&s) & 0x7fff) : next(&s));

			buf[len++] = (uint8_t)next(&s);
			buf[len++] = (uint8_t)(sel >> 8);
			buf[len++] = (uint8_t)sel;
			buf[len++] = (uint8_t)(inlen >> 8);
			buf[len++] = (uint8_t)inlen;
			buf[len++] = (uint8_t)(outlen >> 8);
			buf[len++] = (uint8_t)outlen;
			for (size_t i = 0; i < inlen && len < sizeof(buf); i++) {
				/* Small numbers make ids that name live objects. */
				uint64_t v = next(&s);

				buf[len++] = (uint8_t)((v & 3) ? (v >> 8) % 8 : v >> 8);
			}
		}
		fuzz_fw_cmd_one(buf, len);
	}
	printf("replayed %lu inputs from seed 0x%llx\n", inputs, (unsigned long long)seed);
	return 0;
}
