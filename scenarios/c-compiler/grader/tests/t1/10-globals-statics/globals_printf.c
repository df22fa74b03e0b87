int printf(char *fmt, ...);
int width = 3;
int height = 4;
int main(void) {
    printf("area=%d\n", width * height);
    width = 5;
    printf("area=%d\n", width * height);
    return 0;
}
