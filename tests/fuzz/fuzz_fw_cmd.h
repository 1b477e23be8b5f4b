/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_FW_CMD_H
#define FUZZ_FW_CMD_H

#include <stddef.h>
#include <stdint.h>

/* Runs one fuzz input (see fuzz_fw_cmd.c for its format) on a fresh function. */
int fuzz_fw_cmd_one(const uint8_t *data, size_t size);

#endif /* FUZZ_FW_CMD_H */
