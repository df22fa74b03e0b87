#include <stdio.h>

struct rec { int id; double value; char name[8]; };

int main(void) {
    FILE *f = fopen("recs.bin", "w+b");
    struct rec out[4] = {{1, 1.5, "one"}, {2, 2.5, "two"}, {3, 3.5, "three"}, {4, 4.5, "four"}};
    size_t w = fwrite(out, sizeof out[0], 4, f);
    printf("wrote %zu, at %ld\n", w, ftell(f));
    fseek(f, 2 * (long)sizeof(struct rec), SEEK_SET);
    struct rec r;
    fread(&r, sizeof r, 1, f);
    printf("%d %.1f %s\n", r.id, r.value, r.name);
    rewind(f);
    fread(&r, sizeof r, 1, f);
    printf("%d %s\n", r.id, r.name);
    fseek(f, -(long)sizeof(struct rec), SEEK_END);
    fread(&r, sizeof r, 1, f);
    printf("%d %s %d\n", r.id, r.name, feof(f));
    size_t more = fread(&r, sizeof r, 1, f);
    printf("%zu %d\n", more, feof(f) != 0);
    fclose(f);
    remove("recs.bin");
    return 0;
}
