int printf(const char *fmt, ...);

enum color { RED, GREEN = 10, BLUE, ALPHA = -3, LAST };
typedef enum { NORTH, EAST, SOUTH, WEST } direction;

const char *dir_name(direction d) {
    switch (d) {
    case NORTH: return "north";
    case EAST: return "east";
    case SOUTH: return "south";
    default: return "west";
    }
}

int main(void) {
    enum color c = BLUE;
    printf("%d %d %d %d %d\n", RED, GREEN, c, ALPHA, LAST);
    for (direction d = NORTH; d <= WEST; d++) printf("%s ", dir_name(d));
    printf("\n");
    return c + LAST;
}
