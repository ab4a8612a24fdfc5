/* A plugin for the tests, in C with libprotobuf-c: Describe, ValidatePeriod and one report.
 * Config `mode`: "garbage" (ValidatePeriod returns bytes that are not a message), "slow" (every hook
 * sleeps 3 s first), "error" (every hook fails); faults in ValidatePeriod only (Report keeps working):
 * "segv" (a null pointer write), "exit" (exit(3)), "abort", "spin" (an endless loop); probes in ValidatePeriod:
 * "probe" (the reason says whether config `probe_path` could be opened, and which descriptors are open). */
#include <kinerja_plugin_kit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static char mode[32] = "normal";
static char probe_path[512] = "";

static int testc_init(const Kinerja__Plugin__V1__PluginConfig *config, kinerja_buffer *error) {
    const char *m = kinerja_kit_config(config, "mode");
    if (m) {
        strncpy(mode, m, sizeof mode - 1);
        mode[sizeof mode - 1] = 0;
    }
    const char *p = kinerja_kit_config(config, "probe_path");
    if (p) {
        strncpy(probe_path, p, sizeof probe_path - 1);
        probe_path[sizeof probe_path - 1] = 0;
    }
    (void)error;
    kinerja_kit_log(KINERJA_LOG_INFO, "testc initialised in mode %s", mode);
    return KINERJA_OK;
}

static int describe(kinerja_buffer *out) {
    Kinerja__Plugin__V1__DescribeResponse r = KINERJA__PLUGIN__V1__DESCRIBE_RESPONSE__INIT;
    char *hooks[] = {KINERJA_METHOD_VALIDATE_PERIOD, KINERJA_METHOD_REPORT};
    Kinerja__Plugin__V1__ReportInfo hello = KINERJA__PLUGIN__V1__REPORT_INFO__INIT;
    Kinerja__Plugin__V1__ReportInfo *reports[] = {&hello};
    hello.name = "hello";
    hello.title = "Greetings";
    r.id = "testc";
    r.version = "0.9.0";
    r.description = "test plugin written in C";
    r.n_hooks = 2;
    r.hooks = hooks;
    r.n_reports = 1;
    r.reports = reports;
    return kinerja_kit_reply(out, &r.base);
}

static int probe(kinerja_buffer *out) {
    char reason[1024];
    int fd = open(probe_path, O_RDONLY | O_CLOEXEC);
    int n = snprintf(reason, sizeof reason, "probe %s: %s; fds:", probe_path, fd >= 0 ? "ok" : strerror(errno));
    if (fd >= 0) close(fd);
    for (int i = 0; i < 1024 && n < (int)sizeof reason - 8; i++)
        if (fcntl(i, F_GETFD) != -1) n += snprintf(reason + n, sizeof reason - n, " %d", i);
    Kinerja__Plugin__V1__ValidatePeriodResponse r = KINERJA__PLUGIN__V1__VALIDATE_PERIOD_RESPONSE__INIT;
    r.ok = 0;
    r.reason = reason;
    return kinerja_kit_reply(out, &r.base);
}

static int validate_period(const uint8_t *req, size_t len, kinerja_buffer *out) {
    if (strcmp(mode, "segv") == 0) {
        kinerja_kit_log(KINERJA_LOG_WARNING, "testc is about to write through a null pointer");
        *(volatile int *)0 = 1;
    }
    if (strcmp(mode, "exit") == 0) exit(3);
    if (strcmp(mode, "abort") == 0) abort();
    if (strcmp(mode, "spin") == 0)
        for (volatile unsigned long i = 0;; i++) {}
    if (strcmp(mode, "probe") == 0) return probe(out);
    if (strcmp(mode, "garbage") == 0) {
        static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x07, 'g', 'a', 'r', 'b', 'a', 'g', 'e'};
        out->data = malloc(sizeof junk);
        memcpy(out->data, junk, sizeof junk);
        out->len = sizeof junk;
        return KINERJA_OK;
    }
    Kinerja__Plugin__V1__ValidatePeriodRequest *in = kinerja__plugin__v1__validate_period_request__unpack(NULL, len, req);
    if (!in) return kinerja_kit_error(out, "testc: request does not parse");
    Kinerja__Plugin__V1__ValidatePeriodResponse r = KINERJA__PLUGIN__V1__VALIDATE_PERIOD_RESPONSE__INIT;
    char reason[128] = "";
    if (strcmp(in->periodic, "none") != 0) {
        r.ok = 0;
        snprintf(reason, sizeof reason, "testc runs annual appraisal only (got %s)", in->periodic);
        r.reason = reason;
    } else {
        r.ok = 1;
    }
    int rc = kinerja_kit_reply(out, &r.base);
    kinerja__plugin__v1__validate_period_request__free_unpacked(in, NULL);
    return rc;
}

static int report(const uint8_t *req, size_t len, kinerja_buffer *out) {
    Kinerja__Plugin__V1__ReportRequest *in = kinerja__plugin__v1__report_request__unpack(NULL, len, req);
    if (!in) return kinerja_kit_error(out, "testc: request does not parse");
    if (strcmp(in->name, "hello") != 0) {
        int rc = kinerja_kit_error(out, "testc has no report '%s'", in->name);
        kinerja__plugin__v1__report_request__free_unpacked(in, NULL);
        return rc;
    }
    Kinerja__Plugin__V1__ReportResponse r = KINERJA__PLUGIN__V1__REPORT_RESPONSE__INIT;
    char *columns[] = {"nip", "greeting"};
    r.title = "Greetings";
    r.n_columns = 2;
    r.columns = columns;
    size_t n = in->n_subjects;
    Kinerja__Plugin__V1__ReportRow *rows = calloc(n ? n : 1, sizeof *rows);
    Kinerja__Plugin__V1__ReportRow **row_ptrs = calloc(n ? n : 1, sizeof *row_ptrs);
    char **cells = calloc(2 * (n ? n : 1), sizeof *cells);
    for (size_t i = 0; i < n; i++) {
        kinerja__plugin__v1__report_row__init(&rows[i]);
        cells[2 * i] = in->subjects[i]->nip;
        size_t sz = strlen(in->subjects[i]->name) + 8;
        cells[2 * i + 1] = malloc(sz);
        snprintf(cells[2 * i + 1], sz, "Halo %s", in->subjects[i]->name);
        rows[i].n_cells = 2;
        rows[i].cells = &cells[2 * i];
        row_ptrs[i] = &rows[i];
    }
    r.n_rows = n;
    r.rows = row_ptrs;
    int rc = kinerja_kit_reply(out, &r.base);
    for (size_t i = 0; i < n; i++) free(cells[2 * i + 1]);
    free(cells);
    free(row_ptrs);
    free(rows);
    kinerja__plugin__v1__report_request__free_unpacked(in, NULL);
    return rc;
}

static int testc_invoke(const char *method, const uint8_t *req, size_t len, kinerja_buffer *out) {
    if (strcmp(method, KINERJA_METHOD_DESCRIBE) == 0) return describe(out);
    if (strcmp(mode, "slow") == 0) sleep(3);
    if (strcmp(mode, "error") == 0) return kinerja_kit_error(out, "testc refuses: mode=%s", mode);
    if (strcmp(method, KINERJA_METHOD_VALIDATE_PERIOD) == 0) return validate_period(req, len, out);
    if (strcmp(method, KINERJA_METHOD_REPORT) == 0) return report(req, len, out);
    return KINERJA_UNIMPLEMENTED;
}

/* Built as if against the first v1 header (no `language` field): the host must still load it. */
KINERJA_PLUGIN_DEFINE_SIZED("testc", "0.9.0", testc_init, testc_invoke, KINERJA_PLUGIN_V1_BASE_SIZE, NULL)
