int main(void) {
    int r = 0;
    {
        int t = 3;
        r = r + t;
    }
    {
        int t = 4;
        r = r * t;
    }
    return r;
}
