int main(void) {
    return (-1 < 0) + (-5 > -6) * 2;
}
