#include "kinerja_plugin_kit.h"

#include <stdio.h>

const kinerja_host *kinerja_kit_host = NULL;

int kinerja_kit_reply(kinerja_buffer *out, const ProtobufCMessage *message) {
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *data = malloc(size ? size : 1);
    if (!data) return kinerja_kit_error(out, "out of memory");
    protobuf_c_message_pack(message, data);
    out->data = data;
    out->len = size;
    return KINERJA_OK;
}

int kinerja_kit_error(kinerja_buffer *out, const char *format, ...) {
    char text[1024];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof text) n = sizeof text - 1;
    out->data = malloc((size_t)n + 1);
    if (out->data) {
        memcpy(out->data, text, (size_t)n);
        out->data[n] = 0;
        out->len = (size_t)n;
    } else {
        out->len = 0;
    }
    return KINERJA_ERROR;
}

void kinerja_kit_free(kinerja_buffer *buffer) {
    if (buffer && buffer->data) {
        free(buffer->data);
        buffer->data = NULL;
        buffer->len = 0;
    }
}

void kinerja_kit_log(int level, const char *format, ...) {
    if (!kinerja_kit_host || !kinerja_kit_host->log) return;
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    kinerja_kit_host->log(kinerja_kit_host->context, level, text);
}

const char *kinerja_kit_config(const Kinerja__Plugin__V1__PluginConfig *config, const char *key) {
    if (!config) return NULL;
    for (size_t i = 0; i < config->n_values; i++) {
        if (config->values[i] && config->values[i]->key && strcmp(config->values[i]->key, key) == 0) return config->values[i]->value;
    }
    return NULL;
}
