void *malloc(long n);
typedef struct {
    long id;
    char tag;
} rec;
int main(void) {
    rec *rs = malloc(sizeof(rec) * 4);
    for (int i = 0; i < 4; i++) {
        rs[i].id = i * 10;
        rs[i].tag = 'a' + i;
    }
    return rs[3].id + rs[3].tag - 'a' + sizeof(rec);
}
