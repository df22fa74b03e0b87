int my_strlen(char *s) {
    int n = 0;
    while (*s++) n++;
    return n;
}
int main(void) {
    return my_strlen("count me") + my_strlen("");
}
