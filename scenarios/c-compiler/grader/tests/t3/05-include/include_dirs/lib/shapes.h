#pragma once
static int square_area(int s) { return s * s; }
