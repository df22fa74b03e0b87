#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define N 8

int main(void) {
    int w[N][N] = {{0}};
    int edges[][3] = {{0, 1, 4}, {0, 2, 1}, {2, 1, 2}, {1, 3, 1}, {2, 3, 5}, {3, 4, 3},
                      {4, 5, 1}, {3, 5, 6}, {5, 6, 2}, {6, 7, 1}, {4, 7, 8}, {1, 6, 9}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        w[edges[i][0]][edges[i][1]] = edges[i][2];
        w[edges[i][1]][edges[i][0]] = edges[i][2];
    }
    int dist[N], prev[N], done[N] = {0};
    for (int i = 0; i < N; i++) { dist[i] = INT_MAX; prev[i] = -1; }
    dist[0] = 0;
    for (int k = 0; k < N; k++) {
        int u = -1;
        for (int i = 0; i < N; i++) if (!done[i] && (u < 0 || dist[i] < dist[u])) u = i;
        done[u] = 1;
        for (int v = 0; v < N; v++)
            if (w[u][v] && dist[u] + w[u][v] < dist[v]) { dist[v] = dist[u] + w[u][v]; prev[v] = u; }
    }
    for (int i = 0; i < N; i++) {
        printf("%d: %2d via", i, dist[i]);
        for (int v = i; v >= 0; v = prev[v]) printf(" %d", v);
        printf("\n");
    }
    return dist[N - 1];
}
