int printf(const char *fmt, ...);

#define WIDTH 80
#define HEIGHT (WIDTH / 4)
#define AREA WIDTH * HEIGHT
#define GREETING "hello, " "world"
#define EMPTY

int main(void) {
    printf("%d %d %d\n", WIDTH, HEIGHT, AREA);
    printf("%s\n", GREETING EMPTY);
    EMPTY return HEIGHT EMPTY;
}
