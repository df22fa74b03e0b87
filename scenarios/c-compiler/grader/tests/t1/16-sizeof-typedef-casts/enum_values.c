enum { A, B, C = 10, D, E = C * 2 };
int main(void) {
    return A + B + C + D + E;
}
