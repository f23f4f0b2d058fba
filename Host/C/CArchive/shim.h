#ifndef BERTH_CARCHIVE_SHIM_H
#define BERTH_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

// The AE_IF* file-type macros carry a cast, which Swift does not import; re-export them as plain
// integer constants so entry types can be compared from Swift.
enum {
    BERTH_AE_IFMT = AE_IFMT,
    BERTH_AE_IFREG = AE_IFREG,
    BERTH_AE_IFLNK = AE_IFLNK,
    BERTH_AE_IFSOCK = AE_IFSOCK,
    BERTH_AE_IFCHR = AE_IFCHR,
    BERTH_AE_IFBLK = AE_IFBLK,
    BERTH_AE_IFDIR = AE_IFDIR,
    BERTH_AE_IFIFO = AE_IFIFO
};
#endif
