int main(void) {
    int x = 1;
    case 1:
    return x;
}
