int main(void) {
    int x = 2;
    switch (x) {
    case 2: return 31;
    }
    return 0;
}
