int printf(const char *fmt, ...);

#define u8 unsigned char
#define BUF_T struct buffer
#define DECLARE_COUNTER int counter = 0
#define FOREVER for (;;)
#define PI 3.14159
#define NEG -1

BUF_T { u8 data[4]; int len; };

int main(void) {
    DECLARE_COUNTER;
    BUF_T b = {{1, 2, 3}, 3};
    FOREVER {
        counter += b.data[counter % 3];
        if (counter > 20) break;
    }
    printf("%d %.2f %d\n", counter, PI * 2, NEG-NEG);
    return counter;
}
