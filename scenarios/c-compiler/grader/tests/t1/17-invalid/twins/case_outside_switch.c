int main(void) {
    int x = 1;
    switch (x) {
    case 1:
        return x + 20;
    }
    return 0;
}
