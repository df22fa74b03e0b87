#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account { char owner[16]; long cents; };
struct ledger { struct account *acc; size_t n, cap; };

static struct account *find(struct ledger *l, const char *who) {
    for (size_t i = 0; i < l->n; i++) if (!strcmp(l->acc[i].owner, who)) return &l->acc[i];
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 2;
        l->acc = realloc(l->acc, l->cap * sizeof *l->acc);
    }
    struct account *a = &l->acc[l->n++];
    snprintf(a->owner, sizeof a->owner, "%s", who);
    a->cents = 0;
    return a;
}

int main(void) {
    const char *ops = "deposit ann 120.50\ndeposit bob 80\ntransfer ann bob 20.25\n"
                      "withdraw bob 150\ndeposit cid 5.05\ntransfer bob cid 60.10\n";
    struct ledger l = {0};
    char op[16], a[16], b[16];
    double amount;
    const char *p = ops;
    int consumed, rejected = 0;
    while (sscanf(p, "%15s%n", op, &consumed) == 1) {
        p += consumed;
        if (!strcmp(op, "transfer")) { sscanf(p, "%15s %15s %lf%n", a, b, &amount, &consumed); }
        else { sscanf(p, "%15s %lf%n", a, &amount, &consumed); }
        p += consumed;
        long cents = (long)(amount * 100 + 0.5);
        struct account *x = find(&l, a);
        if (!strcmp(op, "deposit")) x->cents += cents;
        else if (x->cents < cents) rejected++;
        else {
            x->cents -= cents;
            if (!strcmp(op, "transfer")) find(&l, b)->cents += cents;
        }
    }
    for (size_t i = 0; i < l.n; i++)
        printf("%-4s %7.2f\n", l.acc[i].owner, l.acc[i].cents / 100.0);
    printf("rejected %d\n", rejected);
    free(l.acc);
    return 0;
}
