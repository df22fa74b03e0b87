#ifndef CONFIG_H
#define CONFIG_H
#ifndef MAX_ITEMS
#  define MAX_ITEMS 4
#endif
#if defined(USE_CACHE) && USE_CACHE
#  define STORE_KIND "cached"
#  define CACHE_SLOTS (MAX_ITEMS / 2)
#else
#  define STORE_KIND "plain"
#endif
#endif
