#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    int fd = open("out.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    const char msg[] = "written with write(2)\n";
    ssize_t n = write(fd, msg, strlen(msg));
    close(fd);
    struct stat st;
    stat("out.bin", &st);
    printf("%zd %ld %d\n", n, (long)st.st_size, S_ISREG(st.st_mode) != 0);
    fd = open("out.bin", O_RDONLY);
    char buf[64] = {0};
    lseek(fd, 8, SEEK_SET);
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%zd [%s]", n, buf);
    unlink("out.bin");
    printf("%d\n", access("out.bin", F_OK));
    return 0;
}
