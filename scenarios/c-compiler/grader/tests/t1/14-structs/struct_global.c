struct config {
    int width;
    int height;
};
struct config cfg = {8, 6};
int main(void) {
    cfg.width = cfg.width * 2;
    return cfg.width * cfg.height;
}
