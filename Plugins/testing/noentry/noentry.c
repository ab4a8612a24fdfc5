/* A shared object that is not a Kinerja plugin: it has no kinerja_plugin_v1 symbol. */
__attribute__((visibility("default"))) int kinerja_not_a_plugin(void) { return 42; }
