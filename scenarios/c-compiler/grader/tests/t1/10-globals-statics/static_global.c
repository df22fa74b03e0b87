static int hidden = 5;
static int helper(void) {
    return hidden * 2;
}
int main(void) {
    hidden = 7;
    return helper();
}
