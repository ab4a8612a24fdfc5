/* System calls the plugin host and the transports need that Swift cannot call directly (variadic syscall(2),
 * prctl(2)). */
#ifndef KINERJA_HOST_SYSTEM_H
#define KINERJA_HOST_SYSTEM_H

#include <stddef.h>
#include <sys/types.h>
#include <spawn.h>

/* pipe2(fds, O_CLOEXEC). */
int kinerja_pipe_cloexec(int fds[2]);

/* Closes every descriptor >= `lowest` (close_range(2), else one by one). */
void kinerja_close_from(int lowest);

/* posix_spawn: close every descriptor >= `lowest` in the child (glibc >= 2.34). Returns 0 or an errno. */
int kinerja_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

/* The host process dies with its parent (PR_SET_PDEATHSIG SIGKILL); returns -1 when the parent is already gone. */
int kinerja_die_with_parent(pid_t expected_parent);

/* Landlock: from now on this process (and its threads) may only read the files below `read_paths` (folders or
 * files), open no TCP connections and signal no process outside its own domain, as far as the running kernel's
 * Landlock ABI allows. Sets no_new_privs. Returns the Landlock ABI version applied (>= 1), 0 when the kernel has
 * no Landlock (nothing restricted), or -errno on failure (nothing restricted either). */
int kinerja_landlock_restrict(const char *const *read_paths, size_t count);

/* Names the calling thread (at most 15 bytes are kept), as top -H and /proc/thread-self/comm show it. */
void kinerja_name_thread(const char *name);

#endif
