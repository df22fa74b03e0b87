#include <setjmp.h>
#include <stdio.h>

static jmp_buf on_error;
static const char *error_msg;

static int checked_div(int a, int b) {
    if (b == 0) { error_msg = "division by zero"; longjmp(on_error, 1); }
    return a / b;
}

static int eval(int a, int b) { return checked_div(a, b) + 1; }

int main(void) {
    int pairs[4][2] = {{10, 2}, {7, 0}, {9, 3}, {1, 0}};
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        if (setjmp(on_error)) {
            printf("pair %d: error: %s\n", i, error_msg);
            continue;
        }
        printf("pair %d: %d\n", i, eval(pairs[i][0], pairs[i][1]));
        ok++;
    }
    return ok;
}
