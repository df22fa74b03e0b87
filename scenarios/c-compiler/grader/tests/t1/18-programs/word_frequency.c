int printf(char *fmt, ...);
char words[20][16];
int counts[20];
int nwords;
int same(char *a, char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}
void add_word(char *w) {
    for (int i = 0; i < nwords; i++)
        if (same(words[i], w)) {
            counts[i]++;
            return;
        }
    int k = 0;
    while (w[k]) {
        words[nwords][k] = w[k];
        k++;
    }
    words[nwords][k] = 0;
    counts[nwords] = 1;
    nwords++;
}
int main(void) {
    char *text = "the cat and the dog and the bird saw the cat";
    char cur[16];
    int n = 0;
    for (int i = 0;; i++) {
        char c = text[i];
        if (c == ' ' || c == 0) {
            if (n > 0) {
                cur[n] = 0;
                add_word(cur);
                n = 0;
            }
            if (c == 0) break;
        } else {
            cur[n++] = c;
        }
    }
    int best = 0;
    for (int i = 0; i < nwords; i++) {
        printf("%s:%d\n", words[i], counts[i]);
        if (counts[i] > counts[best]) best = i;
    }
    return nwords * 10 + counts[best];
}
