#define _GNU_SOURCE
#include "kinerja_host_system.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int kinerja_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void kinerja_close_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = lowest; fd < max; fd++) close(fd);
}

int kinerja_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
#else
    (void)actions; (void)lowest;
    return ENOSYS;
#endif
}

int kinerja_die_with_parent(pid_t expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return -1;
    return getppid() == expected_parent ? 0 : -1;
}

/* The Landlock UAPI, declared here so that the build does not depend on the installed kernel headers. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

struct kinerja_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct kinerja_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define KL_CREATE_RULESET_VERSION (1U << 0)
#define KL_RULE_PATH_BENEATH 1
#define KL_FS_EXECUTE (1ULL << 0)
#define KL_FS_READ_FILE (1ULL << 2)
#define KL_FS_READ_DIR (1ULL << 3)
#define KL_FS_ABI1 ((1ULL << 13) - 1) /* EXECUTE … MAKE_SYM */
#define KL_FS_REFER (1ULL << 13)
#define KL_FS_TRUNCATE (1ULL << 14)
#define KL_FS_IOCTL_DEV (1ULL << 15)
#define KL_NET_BIND_TCP (1ULL << 0)
#define KL_NET_CONNECT_TCP (1ULL << 1)
#define KL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define KL_SCOPE_SIGNAL (1ULL << 1)

int kinerja_landlock_restrict(const char *const *read_paths, size_t count) {
    long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, KL_CREATE_RULESET_VERSION);
    if (abi < 0) return (errno == ENOSYS || errno == EOPNOTSUPP) ? 0 : -errno;
    struct kinerja_landlock_ruleset_attr attr = {0};
    attr.handled_access_fs = KL_FS_ABI1;
    if (abi >= 2) attr.handled_access_fs |= KL_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= KL_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= KL_FS_IOCTL_DEV;
    if (abi >= 4) attr.handled_access_net = KL_NET_BIND_TCP | KL_NET_CONNECT_TCP;
    if (abi >= 6) attr.scoped = KL_SCOPE_ABSTRACT_UNIX_SOCKET | KL_SCOPE_SIGNAL;
    size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -errno;
    for (size_t i = 0; i < count; i++) {
        int fd = open(read_paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0) continue; /* a folder that does not exist needs no rule */
        struct stat st;
        struct kinerja_landlock_path_beneath_attr rule = {0};
        rule.parent_fd = fd;
        rule.allowed_access = KL_FS_READ_FILE;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) rule.allowed_access |= KL_FS_READ_DIR;
        long rc = syscall(__NR_landlock_add_rule, ruleset, KL_RULE_PATH_BENEATH, &rule, 0);
        int saved = errno;
        close(fd);
        if (rc != 0) {
            close(ruleset);
            return -saved;
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) {
        int saved = errno;
        close(ruleset);
        return -saved;
    }
    close(ruleset);
    return (int)abi;
}

void kinerja_name_thread(const char *name) {
    (void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
