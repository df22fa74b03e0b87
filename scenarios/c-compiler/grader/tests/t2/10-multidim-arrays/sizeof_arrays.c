int printf(const char *fmt, ...);

struct rec { char name[12]; int scores[3][2]; };

int count(int a[]) { return (int)sizeof(a); }   /* a pointer: 8 */

int main(void) {
    struct rec r[4];
    short s[2][3][4];
    printf("%d %d %d\n", (int)sizeof r, (int)sizeof r[0].scores, (int)sizeof r[0].scores[1]);
    printf("%d %d %d %d\n", (int)sizeof s, (int)sizeof s[1], (int)sizeof s[1][2],
           (int)sizeof s[1][2][3]);
    int v[7];
    printf("%d %d\n", (int)(sizeof v / sizeof *v), count(v));
    r[2].scores[1][1] = 77;
    int (*sc)[2] = r[2].scores;
    printf("%d\n", sc[1][1]);
    return 0;
}
