#include <stdio.h>
#include <stdlib.h>

#define LIST_HEAD(name, type) struct name { struct type *first; }
#define LIST_ENTRY(type) struct { struct type *next; }
#define LIST_INSERT_HEAD(head, elm, field) do { \
        (elm)->field.next = (head)->first; (head)->first = (elm); } while (0)
#define LIST_FOREACH(var, head, field) \
    for ((var) = (head)->first; (var); (var) = (var)->field.next)

struct item { int value; LIST_ENTRY(item) link; };
LIST_HEAD(item_list, item);

int main(void) {
    struct item_list list = {NULL};
    for (int i = 1; i <= 5; i++) {
        struct item *it = malloc(sizeof *it);
        it->value = i * 11;
        LIST_INSERT_HEAD(&list, it, link);
    }
    struct item *it;
    int sum = 0;
    LIST_FOREACH(it, &list, link) { printf("%d ", it->value); sum += it->value; }
    printf("\n");
    while (list.first) { it = list.first; list.first = it->link.next; free(it); }
    return sum % 256;
}
