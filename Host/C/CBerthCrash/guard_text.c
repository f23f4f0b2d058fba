#include "guard_text.h"

#include "CBerthCrash.h"

/* Async-signal-safe text building for the crash guard: no allocation, no locale, no stdio. */

size_t guard_append(char *buffer, size_t at, size_t capacity, const char *text) {
    while (*text && at + 1 < capacity) buffer[at++] = *text++;
    buffer[at] = 0;
    return at;
}

size_t guard_append_number(char *buffer, size_t at, size_t capacity, unsigned long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (count > 0 && at + 1 < capacity) buffer[at++] = digits[--count];
    buffer[at] = 0;
    return at;
}

/* Owners are addon ids (a–z, 0–9, _), but the table is shared memory: keep the copy safe for JSON. */
void guard_copy_owner(char *target, const char *source) {
    size_t i = 0;
    for (; source[i] && i + 1 < BERTH_GUARD_OWNER_CAPACITY; i++) {
        char c = source[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        target[i] = plain ? c : '_';
    }
    target[i] = 0;
}

void guard_copy_out(char *target, size_t capacity, const char *source) {
    if (target == NULL || capacity == 0) return;
    size_t i = 0;
    for (; source[i] && i + 1 < capacity; i++) target[i] = source[i];
    target[i] = 0;
}

/* Appends `text` as the inside of a JSON string. */
size_t guard_append_json(char *buffer, size_t at, size_t capacity, const char *text) {
    static const char hex[] = "0123456789abcdef";
    for (; *text && at + 7 < capacity; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\') {
            buffer[at++] = '\\';
            buffer[at++] = (char)c;
        } else if (c == '\n') {
            buffer[at++] = '\\';
            buffer[at++] = 'n';
        } else if (c < 0x20) {
            buffer[at++] = '\\';
            buffer[at++] = 'u';
            buffer[at++] = '0';
            buffer[at++] = '0';
            buffer[at++] = hex[c >> 4];
            buffer[at++] = hex[c & 15];
        } else {
            buffer[at++] = (char)c;
        }
    }
    buffer[at] = 0;
    return at;
}
