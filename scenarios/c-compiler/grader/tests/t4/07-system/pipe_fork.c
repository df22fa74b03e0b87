#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char msg[] = "hello from the child";
        write(fds[1], msg, sizeof msg);
        close(fds[1]);
        _exit(7);
    }
    close(fds[1]);
    char buf[64] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    printf("%zd [%s] exited=%d code=%d\n", n, buf, WIFEXITED(status), WEXITSTATUS(status));
    return 0;
}
