int printf(const char *fmt, ...);

struct config { int width, height; const char *title; int flags; };

int main(void) {
    struct config c = {.title = "win", .height = 480, .width = 640};
    int a[8] = {[2] = 5, [5] = 9, 1, [0] = 7};
    printf("%d %d %s %d\n", c.width, c.height, c.title, c.flags);
    for (int i = 0; i < 8; i++) printf("%d ", a[i]);
    printf("\n");
    return a[6];
}
