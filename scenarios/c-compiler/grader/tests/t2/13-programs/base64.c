int printf(const char *fmt, ...);

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int encode(const unsigned char *in, int n, char *out) {
    int o = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < n) v |= in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

int decode(const char *in, unsigned char *out) {
    signed char rev[256];
    for (int i = 0; i < 256; i++) rev[i] = -1;
    for (int i = 0; i < 64; i++) rev[(unsigned char)alphabet[i]] = (signed char)i;
    int o = 0, bits = 0;
    unsigned acc = 0;
    for (; *in && *in != '='; in++) {
        acc = acc << 6 | (unsigned)rev[(unsigned char)*in];
        bits += 6;
        if (bits >= 8) { bits -= 8; out[o++] = (unsigned char)(acc >> bits); acc &= (1u << bits) - 1; }
    }
    return o;
}

int main(void) {
    const char *msgs[] = {"", "f", "fo", "foo", "foobar", "Many hands make light work."};
    char enc[128];
    unsigned char dec[128];
    for (int i = 0; i < 6; i++) {
        int n = 0;
        while (msgs[i][n]) n++;
        encode((const unsigned char *)msgs[i], n, enc);
        int m = decode(enc, dec);
        dec[m] = 0;
        printf("[%s] -> [%s] -> [%s]\n", msgs[i], enc, (char *)dec);
    }
    return 0;
}
