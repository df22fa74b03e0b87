int t;
int t = 19;
int main(void) {
    return t;
}
