#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char s[] = "the c programming LANGUAGE, second edition";
    int start = 1;
    for (size_t i = 0; i < strlen(s); i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c)) {
            s[i] = (char)(start ? toupper(c) : tolower(c));
            start = 0;
        } else {
            start = isspace(c) != 0;
        }
    }
    puts(s);
    int vowels = 0;
    for (const char *p = s; *p; p++) vowels += strchr("aeiouAEIOU", *p) != NULL;
    return vowels;
}
