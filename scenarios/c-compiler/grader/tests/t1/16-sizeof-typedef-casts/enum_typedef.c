typedef enum { NORTH, EAST, SOUTH, WEST } dir;
dir turn_right(dir d) {
    return (d + 1) % 4;
}
int main(void) {
    dir d = NORTH;
    for (int i = 0; i < 7; i++)
        d = turn_right(d);
    return d;
}
