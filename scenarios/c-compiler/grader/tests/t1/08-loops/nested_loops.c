int main(void) {
    int count = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < i; j++)
            count++;
    return count;
}
