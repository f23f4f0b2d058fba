#ifndef BERTH_SPAWN_H
#define BERTH_SPAWN_H

#include <spawn.h>

/* GNU extensions Swift's Glibc module does not show (layer 1: raw calls). */

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `from` up.
int berth_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from);

#endif
