int main(void) {
    int r = 0;
    switch (3) {
    case 3: {
        int t = 5;
        r = t * t;
        break;
    }
    case 4: {
        int t = 6;
        r = t;
        break;
    }
    }
    return r;
}
