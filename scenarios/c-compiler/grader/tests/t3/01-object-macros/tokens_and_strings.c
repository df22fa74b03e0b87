int printf(const char *fmt, ...);

#define NAME world
#define MSG "NAME is not replaced inside strings"
#define CH 'N'

int main(void) {
    int NAME = 3;
    printf("%s %c %d\n", MSG, CH, NAME);
    printf("%d\n", world);
    return world;
}
