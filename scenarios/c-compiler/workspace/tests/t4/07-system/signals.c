#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

int main(void) {
    signal(SIGUSR2, on_signal);
    raise(SIGUSR2);
    printf("caught %d %d\n", caught == SIGUSR2, (int)caught > 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    caught = 0;
    raise(SIGINT);
    printf("%d\n", caught == SIGINT);
    signal(SIGINT, SIG_IGN);
    raise(SIGINT);
    printf("ignored\n");
    return 0;
}
