// OpenBLAS's CBLAS interface. Only Sources/CNN/BLAS.swift calls into it, so another BLAS
// (Accelerate on macOS, MKL, BLIS) replaces it there and here.
#include <cblas.h>

// OpenBLAS extension: the library's own thread pool. cnnclassify parallelises over the batch
// itself, so each sgemm call runs on the calling thread.
void openblas_set_num_threads(int num_threads);
