#include "kinerja_sqlite.h"

#include <sqlite3.h>

int kinerja_sqlite_configure(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
