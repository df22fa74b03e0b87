int main(void) {
    int _under = 1;
    int camelCase = 2;
    int x1y2 = 3;
    int return_value = 4;
    return _under + camelCase * x1y2 + return_value;
}
