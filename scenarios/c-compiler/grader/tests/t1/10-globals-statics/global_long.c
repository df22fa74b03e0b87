long big = 5000000000;
int main(void) {
    return big / 100000000;
}
