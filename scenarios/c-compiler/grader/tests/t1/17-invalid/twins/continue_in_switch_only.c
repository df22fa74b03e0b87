int main(void) {
    int total = 0;
    for (int i = 0; i < 5; i++) {
        switch (i) {
        case 1:
            continue;
        }
        total = total + i;
    }
    return total;
}
