int main(void) {
    long v = 4000000000;
    switch (v) {
    case 4000000000:
        return 4;
    case 1:
        return 1;
    }
    return 0;
}
