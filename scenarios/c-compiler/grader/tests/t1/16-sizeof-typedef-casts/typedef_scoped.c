typedef int T;
int main(void) {
    T a = 2;
    {
        typedef char T;
        T b = 65;
        a = a + b;
    }
    T c = 10;
    return a + c;
}
