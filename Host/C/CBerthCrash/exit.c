#define _GNU_SOURCE
#include "CBerthCrash.h"

#include <dlfcn.h>
#include <stdlib.h>

/* The host's own `exit`, exported from the berth binary (see Package.swift) so that an addon's
   call binds here before libc: in a worker, an addon ending the process from a handler is
   contained like a crash (berth_guard_contain_exit parks the calling thread); every other call
   goes on to libc's exit. */
void exit(int status) {
    berth_guard_contain_exit(status);
    void (*libc_exit)(int) = (void (*)(int))dlsym(RTLD_NEXT, "exit");
    if (libc_exit != NULL) libc_exit(status);
    _Exit(status);
}
