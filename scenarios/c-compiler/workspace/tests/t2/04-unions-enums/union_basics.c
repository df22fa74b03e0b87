int printf(const char *fmt, ...);

union value {
    int i;
    unsigned char bytes[4];
    float f;
};

int main(void) {
    union value v;
    v.i = 0x01020304;
    printf("%d %d %d %d\n", v.bytes[0], v.bytes[1], v.bytes[2], v.bytes[3]);
    v.f = 1.0f;
    printf("%x\n", v.i);
    printf("%d\n", (int)sizeof(union value));
    return v.bytes[3];
}
