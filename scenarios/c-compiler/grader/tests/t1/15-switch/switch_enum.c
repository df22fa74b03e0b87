enum color { RED, GREEN, BLUE };
int weight(enum color c) {
    switch (c) {
    case RED: return 3;
    case GREEN: return 5;
    case BLUE: return 7;
    }
    return 0;
}
int main(void) {
    return weight(RED) * 100 + weight(GREEN) * 10 + weight(BLUE) - 300;
}
