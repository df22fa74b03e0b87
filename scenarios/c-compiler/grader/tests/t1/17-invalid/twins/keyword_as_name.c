int main(void) {
    int while_ = 3;
    while (while_ < 12) while_ = while_ * 2;
    return while_;
}
