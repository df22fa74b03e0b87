int main(void) {
    int x = 1;
    {
        int y = 2;
        {
            x = x + y;
        }
    }
    return x;
}
