int main(void) {
    int while = 3;
    return while;
}
