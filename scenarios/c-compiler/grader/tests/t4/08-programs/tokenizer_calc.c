#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p;

static double expr(void);

static double primary(void) {
    while (isspace((unsigned char)*p)) p++;
    if (*p == '(') { p++; double v = expr(); while (isspace((unsigned char)*p)) p++; p++; return v; }
    if (*p == '-') { p++; return -primary(); }
    if (isalpha((unsigned char)*p)) {
        char name[8] = {0};
        int n = 0;
        while (isalpha((unsigned char)*p) && n < 7) name[n++] = *p++;
        double arg = primary();
        if (!strcmp(name, "sqrt")) return sqrt(arg);
        if (!strcmp(name, "abs")) return fabs(arg);
        return arg;
    }
    char *end;
    double v = strtod(p, &end);
    p = end;
    return v;
}

static double power(void) {
    double b = primary();
    while (isspace((unsigned char)*p)) p++;
    if (*p == '^') { p++; return pow(b, power()); }
    return b;
}

static double term(void) {
    double v = power();
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == '*') { p++; v *= power(); }
        else if (*p == '/') { p++; v /= power(); }
        else return v;
    }
}

static double expr(void) {
    double v = term();
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == '+') { p++; v += term(); }
        else if (*p == '-') { p++; v -= term(); }
        else return v;
    }
}

int main(void) {
    const char *in[] = {"1 + 2 * 3", "(1 + 2) * 3", "2 ^ 3 ^ 2", "sqrt(16) + abs(-2.5)",
                        "10 / 4 - 1.5e1", "-(3 - 5) * 2"};
    for (int i = 0; i < 6; i++) {
        p = in[i];
        printf("%-22s = %g\n", in[i], expr());
    }
    return 0;
}
