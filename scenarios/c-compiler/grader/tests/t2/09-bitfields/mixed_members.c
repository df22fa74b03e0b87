int printf(const char *fmt, ...);

struct header {
    unsigned char version;
    unsigned ihl : 4, tos : 4;
    unsigned short length;
    unsigned id : 16, frag : 13, flags : 3;
    long ttl_and_more;
};

int main(void) {
    struct header h = {4, 5, 0, 1500, 0x1234, 100, 2, 64};
    printf("%d %d %d %d %x %d %d %ld\n", h.version, h.ihl, h.tos, h.length, h.id, h.frag,
           h.flags, h.ttl_and_more);
    h.frag += 8000;
    h.flags = 7;
    printf("%d %d %d\n", h.frag, h.flags, (int)sizeof h);
    return h.ihl;
}
