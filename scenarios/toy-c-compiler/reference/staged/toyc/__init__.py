"""toyc: reference compiler for the toy-c-compiler scenario (python3 stdlib only)."""
