#ifndef BERTH_GUARD_TEXT_H
#define BERTH_GUARD_TEXT_H

#include <stddef.h>

/* The crash guard's async-signal-safe text building (guard_text.c), internal to CBerthCrash. Each
   appends to `buffer` from `at`, keeps it NUL-terminated within `capacity`, returns the new end. */
#define GUARD_INTERNAL __attribute__((visibility("hidden")))

GUARD_INTERNAL size_t guard_append(char *buffer, size_t at, size_t capacity, const char *text);
GUARD_INTERNAL size_t guard_append_number(char *buffer, size_t at, size_t capacity, unsigned long value);
/* Appends `text` as the inside of a JSON string. */
GUARD_INTERNAL size_t guard_append_json(char *buffer, size_t at, size_t capacity, const char *text);
/* Copies an owner id, replacing anything but letters, digits, '_', '-' and '.'. */
GUARD_INTERNAL void guard_copy_owner(char *target, const char *source);
/* Copies `source` into `target` of `capacity` bytes, NUL-terminated. */
GUARD_INTERNAL void guard_copy_out(char *target, size_t capacity, const char *source);

#endif
