/* A plugin built against a future ABI: the host must refuse it (expected 1, found 2). */
#include <kinerja_plugin.h>

static const kinerja_plugin descriptor = {sizeof(kinerja_plugin), 2u, "badabi", "2.0.0", 0, 0, 0, 0};

__attribute__((visibility("default"))) const kinerja_plugin *kinerja_plugin_v1(void) { return &descriptor; }
