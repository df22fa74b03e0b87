int main(void) {
    int x = 2;
    int y = 2;
    switch (x) {
    case y: return 1;
    }
    return 0;
}
