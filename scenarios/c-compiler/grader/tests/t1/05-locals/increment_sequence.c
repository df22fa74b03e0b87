int main(void) {
    int c = 0;
    c++;
    ++c;
    c += 1;
    c = c + 1;
    c--;
    return c;
}
