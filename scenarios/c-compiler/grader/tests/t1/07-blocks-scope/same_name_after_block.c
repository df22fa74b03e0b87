int main(void) {
    {
        int tmp = 40;
        tmp = tmp + 1;
    }
    int tmp = 2;
    return tmp;
}
