int main(void) {
    int v = 1;
    int sum = 0;
    {
        int v = 10;
        sum = sum + v;
        {
            int v = 100;
            sum = sum + v;
        }
        sum = sum + v;
    }
    sum = sum + v;
    return sum % 256;
}
