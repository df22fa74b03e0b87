#ifndef STORE_H
#define STORE_H
#include "config.h"
static int keys[MAX_ITEMS], vals[MAX_ITEMS], n_items, hits;
static void store_put(int k, int v) {
    for (int i = 0; i < n_items; i++)
        if (keys[i] == k) {
#ifdef CACHE_SLOTS
            if (i < CACHE_SLOTS) hits++;
#endif
            vals[i] = v;
            return;
        }
    if (n_items < MAX_ITEMS) { keys[n_items] = k; vals[n_items++] = v; }
}
static int store_count(void) { return n_items; }
static int store_hits(void) { return hits; }
#endif
