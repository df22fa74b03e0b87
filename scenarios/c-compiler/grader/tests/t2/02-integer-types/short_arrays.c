int printf(const char *fmt, ...);

short samples[8] = {100, -200, 300, -400, 32767, -32768, 0, 1};

int main(void) {
    int sum = 0;
    short mx = -32768;
    for (int i = 0; i < 8; i++) {
        sum += samples[i];
        if (samples[i] > mx) mx = samples[i];
    }
    printf("%d %d\n", sum, mx);
    unsigned short us[4];
    for (int i = 0; i < 4; i++) us[i] = (unsigned short)(samples[i] * 3);
    for (int i = 0; i < 4; i++) printf("%u ", us[i]);
    printf("\n");
    printf("%d %d\n", (int)sizeof(samples), (int)sizeof(us[0]));
    return mx & 0xff;
}
