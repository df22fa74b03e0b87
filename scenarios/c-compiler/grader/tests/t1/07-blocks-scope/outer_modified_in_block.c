int main(void) {
    int count = 0;
    {
        count = count + 5;
        {
            count = count * 3;
        }
    }
    return count;
}
