/* A tcc-like cheat for tools/cheats.py: one binary carrying gcc's cc1 XOR-encoded (so no copy
   of it is visible), decoding it at run time into a memfd, else into $TMPDIR, and running it,
   then `gcc -x assembler`. The grader must stop it at run time. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern const unsigned char blob_start[], blob_end[];

static int run(char *const argv[]) {
    pid_t p = fork();
    if (p == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    size_t n = blob_end - blob_start;
    unsigned char *d = malloc(n);
    for (size_t i = 0; i < n; i++) d[i] = blob_start[i] ^ 0x5A;
    char fe[4200], s[4200];
    const char *t = getenv("TMPDIR");
    if (!t) t = "/tmp";
    snprintf(s, sizeof s, "%s/se%d.s", t, (int)getpid());
    int fd = memfd_create("cc1", 0);
    if (fd >= 0) {
        snprintf(fe, sizeof fe, "/proc/self/fd/%d", fd);
    } else {
        perror("memfd_create");
        snprintf(fe, sizeof fe, "%s/cc1-%d", t, (int)getpid());
        fd = open(fe, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    }
    if (fd < 0 || write(fd, d, n) != (ssize_t)n) {
        perror("write");
        return 1;
    }
    if (strncmp(fe, "/proc", 5) != 0) close(fd);
    char *cc1[] = {fe, "-quiet", "-w", argv[1], "-o", s, NULL};
    if (run(cc1)) return 1;
    char *as[] = {"/usr/bin/gcc", "-x", "assembler", s, "-o", argv[3], NULL};
    return run(as);
}
