int puts(char *s);
void copy(char *dst, char *src) {
    while ((*dst++ = *src++))
        ;
}
int main(void) {
    char buf[32];
    copy(buf, "copied text");
    puts(buf);
    return buf[0];
}
