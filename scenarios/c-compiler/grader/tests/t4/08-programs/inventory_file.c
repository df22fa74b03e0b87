#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item { char name[24]; int qty; double price; };

static int cmp_value(const void *a, const void *b) {
    const struct item *x = a, *y = b;
    double vx = x->qty * x->price, vy = y->qty * y->price;
    return (vx < vy) - (vx > vy);
}

int main(void) {
    FILE *f = fopen("inventory.txt", "w");
    fprintf(f, "# name qty price\nbolts 120 0.05\nnuts 300 0.03\nwasher 80 0.02\n"
               "hinge 12 1.75\nbracket 25 2.40\n");
    fclose(f);
    f = fopen("inventory.txt", "r");
    struct item items[16];
    int n = 0;
    char line[128];
    while (fgets(line, sizeof line, f) && n < 16) {
        if (line[0] == '#') continue;
        if (sscanf(line, "%23s %d %lf", items[n].name, &items[n].qty, &items[n].price) == 3) n++;
    }
    fclose(f);
    remove("inventory.txt");
    qsort(items, n, sizeof items[0], cmp_value);
    double total = 0;
    for (int i = 0; i < n; i++) {
        double v = items[i].qty * items[i].price;
        total += v;
        printf("%-8s %4d x %5.2f = %7.2f\n", items[i].name, items[i].qty, items[i].price, v);
    }
    printf("%-8s %22.2f\n", "total", total);
    return n;
}
