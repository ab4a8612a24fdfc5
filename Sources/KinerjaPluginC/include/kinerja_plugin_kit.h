/*
 * kinerja_plugin_kit.h — helpers for writing a Kinerja plugin in C with libprotobuf-c.
 *
 * A C plugin is one .c file:
 *
 *     #include <kinerja_plugin_kit.h>
 *
 *     static int my_invoke(const char *method, const uint8_t *req, size_t len, kinerja_buffer *out) {
 *         if (strcmp(method, KINERJA_METHOD_DESCRIBE) == 0) { ... return kinerja_kit_reply(out, &msg.base); }
 *         return KINERJA_UNIMPLEMENTED;
 *     }
 *     KINERJA_PLUGIN_DEFINE("myplugin", "1.0.0", my_init, my_invoke)
 *
 * Messages: Kinerja__Plugin__V1__* from kinerja/plugin/v1/plugin.pb-c.h.
 */
#ifndef KINERJA_PLUGIN_KIT_H
#define KINERJA_PLUGIN_KIT_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kinerja_plugin.h"
#include "kinerja/plugin/v1/plugin.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serializes `message` into a malloc'ed buffer in `out`; returns KINERJA_OK (KINERJA_ERROR if out of memory). */
int kinerja_kit_reply(kinerja_buffer *out, const ProtobufCMessage *message);

/* Puts a printf-formatted error message into `out`; returns KINERJA_ERROR. */
int kinerja_kit_error(kinerja_buffer *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Frees a buffer made by the two functions above (use as the descriptor's free_buffer). */
void kinerja_kit_free(kinerja_buffer *buffer);

/* Logs through the host (after init). */
void kinerja_kit_log(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The host table given to init, kept by KINERJA_PLUGIN_DEFINE. */
extern const kinerja_host *kinerja_kit_host;

/* Looks a key up in the plugin's config (NULL when absent). */
const char *kinerja_kit_config(const Kinerja__Plugin__V1__PluginConfig *config, const char *key);

/*
 * Defines the descriptor and the exported entry symbol. `init_fn` has the signature
 *   int init_fn(const Kinerja__Plugin__V1__PluginConfig *config, kinerja_buffer *error)
 * and may be NULL; `invoke_fn` is the descriptor's invoke.
 */
#define KINERJA_PLUGIN_DEFINE(ID, VERSION, INIT_FN, INVOKE_FN) \
    KINERJA_PLUGIN_DEFINE_SIZED(ID, VERSION, INIT_FN, INVOKE_FN, sizeof(kinerja_plugin), "c")

/* The same with the descriptor's struct_size and language given: KINERJA_PLUGIN_V1_BASE_SIZE and NULL make a
   descriptor as a plugin built against the first v1 header has (the test plugin `testc` does, so that the host's
   struct_size check is exercised). */
#define KINERJA_PLUGIN_DEFINE_SIZED(ID, VERSION, INIT_FN, INVOKE_FN, STRUCT_SIZE, LANGUAGE)                \
    static int kinerja_kit_init_(const kinerja_host *host, const uint8_t *config, size_t len,            \
                                 kinerja_buffer *error) {                                                 \
        kinerja_kit_host = host;                                                                          \
        int (*user_init)(const Kinerja__Plugin__V1__PluginConfig *, kinerja_buffer *) = INIT_FN;           \
        if (!user_init) return KINERJA_OK;                                                                \
        Kinerja__Plugin__V1__PluginConfig *parsed =                                                       \
            kinerja__plugin__v1__plugin_config__unpack(NULL, len, config);                                \
        if (!parsed) return kinerja_kit_error(error, "%s: config bytes do not parse", ID);               \
        int rc = user_init(parsed, error);                                                                \
        kinerja__plugin__v1__plugin_config__free_unpacked(parsed, NULL);                                  \
        return rc;                                                                                        \
    }                                                                                                     \
    static const kinerja_plugin kinerja_kit_descriptor_ = {                                               \
        (uint32_t)(STRUCT_SIZE), KINERJA_PLUGIN_ABI_VERSION, ID, VERSION,                                 \
        kinerja_kit_init_, INVOKE_FN, kinerja_kit_free, NULL, LANGUAGE};                                  \
    __attribute__((visibility("default"))) const kinerja_plugin *kinerja_plugin_v1(void) {               \
        return &kinerja_kit_descriptor_;                                                                  \
    }

#ifdef __cplusplus
}
#endif

#endif
