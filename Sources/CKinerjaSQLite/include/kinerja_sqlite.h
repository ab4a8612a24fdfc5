#ifndef KINERJA_SQLITE_H
#define KINERJA_SQLITE_H

/// Process-wide SQLite settings that must be made before the first connection opens (sqlite3_config is
/// variadic, so Swift cannot call it). Turns off memory-usage statistics, which otherwise take a global mutex
/// on every allocation. Returns SQLITE_OK, or SQLITE_MISUSE when SQLite was already initialised (then
/// nothing changed, which is harmless).
int kinerja_sqlite_configure(void);

#endif
