/* the answer */
int main() {
    return 1; // one
}
