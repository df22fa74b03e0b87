int main(void) {
    int a = 1;
    { int b = a + 1;
      { int c = b + 1;
        { int d = c + 1;
          { int e = d + 1;
            a = e * 10;
          }
        }
      }
    }
    return a;
}
