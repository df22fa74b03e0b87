int printf(const char *fmt, ...);

int state;

int main(void) {
    int x = 0;
    /* labels live in their own name space */
    goto x;
x:
    x++;
    if (x < 3) goto x;
    state = x;
    goto state;
state:
    printf("%d %d\n", x, state);
    {
    done:;
    }
    if (x == 3) { x = 4; goto done; }
    return x;
}
