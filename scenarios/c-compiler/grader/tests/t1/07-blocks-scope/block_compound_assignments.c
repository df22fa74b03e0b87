int main(void) {
    int total = 1;
    {
        int k = 3;
        total *= k;
        {
            int k = 5;
            total += k;
        }
        total -= k;
    }
    return total;
}
