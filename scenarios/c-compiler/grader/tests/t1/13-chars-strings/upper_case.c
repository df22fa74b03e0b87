int puts(char *s);
int main(void) {
    char s[] = "Make Me Loud 123";
    for (int i = 0; s[i]; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = s[i] - 'a' + 'A';
    puts(s);
    return 0;
}
