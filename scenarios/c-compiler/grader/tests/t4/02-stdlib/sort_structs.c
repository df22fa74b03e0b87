#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct city { char name[16]; int population; double area; };

static int by_density(const void *a, const void *b) {
    const struct city *x = a, *y = b;
    double dx = x->population / x->area, dy = y->population / y->area;
    return (dx < dy) - (dx > dy);   /* descending */
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const struct city *)a)->name, ((const struct city *)b)->name);
}

int main(void) {
    struct city c[] = {{"Oslo", 709000, 454}, {"Bern", 134000, 51.6}, {"Rome", 2873000, 1285},
                       {"Riga", 605000, 304}, {"Vaduz", 5700, 17.3}};
    int n = sizeof c / sizeof c[0];
    qsort(c, n, sizeof c[0], by_density);
    for (int i = 0; i < n; i++) printf("%-6s %8.1f\n", c[i].name, c[i].population / c[i].area);
    qsort(c, n, sizeof c[0], by_name);
    for (int i = 0; i < n; i++) printf("%s ", c[i].name);
    printf("\n");
    struct city key = {"Riga"};
    struct city *r = bsearch(&key, c, n, sizeof c[0], by_name);
    printf("%d\n", r ? r->population : -1);
    return 0;
}
