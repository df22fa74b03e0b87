#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    setenv("ULTRARUN_TEST_VAR", "value-1", 1);
    printf("%s\n", getenv("ULTRARUN_TEST_VAR"));
    setenv("ULTRARUN_TEST_VAR", "ignored", 0);
    printf("%s\n", getenv("ULTRARUN_TEST_VAR"));
    unsetenv("ULTRARUN_TEST_VAR");
    printf("%d\n", getenv("ULTRARUN_TEST_VAR") == NULL);
    return 0;
}
