/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point. Each harness defines it; the fuzzer build
 * links it with libFuzzer, every other build with fuzz-replay.c, which runs
 * the checked-in corpus through it as a normal test. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* An invariant the harness checks itself: abort, so libFuzzer and the
 * replay test both report it. */
#define FUZZ_CHECK(cond) \
  G_STMT_START { if (!(cond)) g_error ("fuzz invariant failed: %s", #cond); } G_STMT_END
