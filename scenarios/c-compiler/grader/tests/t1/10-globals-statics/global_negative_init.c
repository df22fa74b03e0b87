int offset = -20;
int main(void) {
    return offset + 30;
}
