#include <config.h>
#include "shapes.h"
#include <shapes.h>
int main(void) {
    printf("%s %d\n", APP_NAME, square_area(SIDE));
    return square_area(3);
}
