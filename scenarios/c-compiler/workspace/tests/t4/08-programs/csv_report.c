#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("sales.csv", "w");
    fputs("region,product,units,price\n"
          "north,widget,12,2.50\nsouth,gadget,3,10.00\nnorth,gadget,7,10.00\n"
          "east,widget,20,2.25\nsouth,widget,5,2.50\n", f);
    fclose(f);
    f = fopen("sales.csv", "r");
    char line[128];
    fgets(line, sizeof line, f);   /* header */
    const char *regions[3] = {"east", "north", "south"};
    double totals[3] = {0};
    int units_total = 0;
    while (fgets(line, sizeof line, f)) {
        char region[16], product[16];
        int units;
        double price;
        if (sscanf(line, "%15[^,],%15[^,],%d,%lf", region, product, &units, &price) != 4) continue;
        for (int i = 0; i < 3; i++)
            if (strcmp(region, regions[i]) == 0) totals[i] += units * price;
        units_total += units;
    }
    fclose(f);
    remove("sales.csv");
    for (int i = 0; i < 3; i++) printf("%-6s %8.2f\n", regions[i], totals[i]);
    printf("units %d\n", units_total);
    return 0;
}
