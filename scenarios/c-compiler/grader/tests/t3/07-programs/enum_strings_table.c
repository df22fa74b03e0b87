#include <stdio.h>
#include <string.h>

#define STATES(_) _(IDLE) _(RUNNING) _(BLOCKED) _(DONE)
#define ENUM_ITEM(s) ST_##s,
#define NAME_ITEM(s) [ST_##s] = #s,
#define CASE_ITEM(s) case ST_##s: return (int)sizeof(#s) - 1;

enum state { STATES(ENUM_ITEM) ST_COUNT };
static const char *state_names[ST_COUNT] = { STATES(NAME_ITEM) };

static int name_length(enum state s) {
    switch (s) {
        STATES(CASE_ITEM)
    default: return -1;
    }
}

static enum state parse(const char *name) {
    for (int i = 0; i < ST_COUNT; i++)
        if (strcmp(state_names[i], name) == 0) return (enum state)i;
    return ST_COUNT;
}

int main(void) {
    for (int i = 0; i < ST_COUNT; i++) printf("%d %s %d\n", i, state_names[i], name_length(i));
    printf("%d %d\n", parse("BLOCKED"), parse("nope"));
    return ST_COUNT;
}
