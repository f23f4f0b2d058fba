#ifndef BERTH_SHARED_H
#define BERTH_SHARED_H

#include <stdint.h>

/*
 * Atomic operations on 64-bit words in memory shared between processes (a MAP_SHARED mapping),
 * which Swift's Atomic cannot address (layer 1 of the C interop: raw calls). Sequentially
 * consistent, lock-free on x86_64 and arm64.
 */

/// The word at `word`.
uint64_t berth_shared_load(const uint64_t *word);

/// Stores `value` at `word`.
void berth_shared_store(uint64_t *word, uint64_t value);

/// Replaces `*word` with `desired` if it holds `*expected`; otherwise writes the current value
/// into `*expected`. Returns 1 when it replaced, 0 otherwise.
int berth_shared_compare_exchange(uint64_t *word, uint64_t *expected, uint64_t desired);

#endif
