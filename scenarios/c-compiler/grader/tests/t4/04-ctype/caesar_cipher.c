#include <ctype.h>
#include <stdio.h>

static void rotate(char *s, int k) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isupper(c)) *s = (char)('A' + (c - 'A' + k) % 26);
        else if (islower(c)) *s = (char)('a' + (c - 'a' + k) % 26);
    }
}

int main(void) {
    char msg[] = "Attack at Dawn, 5 a.m.!";
    rotate(msg, 13);
    printf("%s\n", msg);
    rotate(msg, 13);
    printf("%s\n", msg);
    rotate(msg, 3);
    printf("%s\n", msg);
    return 0;
}
