int puts(char *s);
void rotate(char *s, int k) {
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') *s = 'a' + (*s - 'a' + k) % 26;
        else if (*s >= 'A' && *s <= 'Z') *s = 'A' + (*s - 'A' + k) % 26;
    }
}
int main(void) {
    char msg[] = "Attack at Dawn, Zebra!";
    rotate(msg, 3);
    puts(msg);
    rotate(msg, 23);
    puts(msg);
    return msg[0];
}
