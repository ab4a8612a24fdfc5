/*
 * kinerja_plugin.h — the whole contract between kinerjad and a plugin module (ABI version 1).
 *
 * A plugin is a shared object (.so) that exports one C symbol:
 *
 *     const kinerja_plugin *kinerja_plugin_v1(void);
 *
 * It returns a pointer to a descriptor with static storage duration. The host checks `struct_size`
 * (at least the size of the v1 struct) and `abi_version` (== KINERJA_PLUGIN_ABI_VERSION) before
 * using anything else in it.
 *
 * Messages are protocol buffers defined in proto/kinerja/plugin/v1/plugin.proto; every call is
 * "method name + serialized request -> serialized response".
 *
 * Ownership:
 *   - Request bytes, method names and the config bytes belong to the host and are valid only for the
 *     duration of the call; copy what you keep.
 *   - Buffers a plugin returns in a kinerja_buffer (responses, error messages) are allocated by the
 *     plugin and released by the host calling the plugin's `free_buffer` exactly once. The host never
 *     frees them with its own allocator.
 *   - The descriptor and the strings it points to stay valid until the process exits: the host never
 *     dlclose()s a plugin.
 *
 * Threading:
 *   - `init` is called once, before any `invoke`, and `shutdown` once, after the last `invoke`.
 *   - The module runs in a plugin host process of its own (`kinerjad plugin-host`), never in the daemon.
 *     `invoke` may be called concurrently from several host threads; a plugin must be thread-safe or
 *     serialise internally. Each call runs under a deadline: a call that overruns is reported as
 *     DEADLINE_EXCEEDED and the host process is killed and restarted (init runs again). A crash or
 *     exit() ends only the calls in flight (INTERNAL) and the host is restarted.
 *   - `host->log` may be called from any thread at any time between `init` and `shutdown`.
 *
 * Errors: `invoke` returns KINERJA_OK with the response in `out`, KINERJA_ERROR with a UTF-8 message
 * in `out` (shown to the caller of the RPC), or KINERJA_UNIMPLEMENTED when the plugin does not
 * implement `method` (the host then falls back to the built-in national rules). Bytes that do not
 * parse as the expected response are reported as INTERNAL with the plugin id; they never take the
 * daemon down.
 */
#ifndef KINERJA_PLUGIN_H
#define KINERJA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KINERJA_PLUGIN_ABI_VERSION 1u
#define KINERJA_PLUGIN_ENTRY_SYMBOL "kinerja_plugin_v1"

/* invoke() results */
#define KINERJA_OK 0
#define KINERJA_ERROR 1
#define KINERJA_UNIMPLEMENTED 2

/* host log levels */
#define KINERJA_LOG_DEBUG 0
#define KINERJA_LOG_INFO 1
#define KINERJA_LOG_WARNING 2
#define KINERJA_LOG_ERROR 3

/* Method names (the hooks); "Describe" is mandatory, the others optional. */
#define KINERJA_METHOD_DESCRIBE "Describe"
#define KINERJA_METHOD_DERIVE_RATINGS "DeriveRatings"
#define KINERJA_METHOD_COMPUTE_INCENTIVE "ComputeIncentive"
#define KINERJA_METHOD_REMINDER_CALENDAR "ReminderCalendar"
#define KINERJA_METHOD_VALIDATE_PERIOD "ValidatePeriod"
#define KINERJA_METHOD_REPORT "Report"

/* Bytes handed from the plugin to the host; released with the plugin's free_buffer. */
typedef struct kinerja_buffer {
    uint8_t *data;
    size_t len;
} kinerja_buffer;

/* What the host offers the plugin. */
typedef struct kinerja_host {
    uint32_t struct_size;
    uint32_t abi_version;
    void *context;
    /* Writes one line to the daemon's log, tagged with the plugin id. `message` is UTF-8, copied. */
    void (*log)(void *context, int level, const char *message);
} kinerja_host;

typedef struct kinerja_plugin {
    uint32_t struct_size;   /* sizeof(kinerja_plugin) as the plugin was compiled */
    uint32_t abi_version;   /* KINERJA_PLUGIN_ABI_VERSION */
    const char *id;         /* unique, [a-z0-9_-]+, e.g. "gajahmungkur" */
    const char *version;    /* the plugin's own version, e.g. "1.0.0" */

    /* `config`: a serialized kinerja.plugin.v1.PluginConfig (the plugin's section of kinerjad.toml).
       Returns KINERJA_OK, or KINERJA_ERROR with a message in `error` (the plugin is then not used). */
    int (*init)(const kinerja_host *host, const uint8_t *config, size_t config_len, kinerja_buffer *error);

    /* See "Errors" above. `out` is zeroed by the host before the call. */
    int (*invoke)(const char *method, const uint8_t *request, size_t request_len, kinerja_buffer *out);

    /* Releases a buffer this plugin returned. */
    void (*free_buffer)(kinerja_buffer *buffer);

    /* Called once when the daemon stops. May be NULL. */
    void (*shutdown)(void);

    /* Appended within v1 (read only when struct_size covers it; a descriptor compiled against an older header is
       still accepted): the language the plugin is written in, lowercase ("c", "swift", "rust", ...), or NULL. */
    const char *language;
} kinerja_plugin;

/* The size of the first v1 descriptor (up to `shutdown`): the least struct_size the host accepts. */
#define KINERJA_PLUGIN_V1_BASE_SIZE (offsetof(kinerja_plugin, language))

typedef const kinerja_plugin *(*kinerja_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif /* KINERJA_PLUGIN_H */
