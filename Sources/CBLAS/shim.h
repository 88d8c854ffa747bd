// OpenBLAS's CBLAS interface. Only Sources/CNN/BLAS.swift calls into it, so another BLAS
// (Accelerate on macOS, MKL, BLIS) replaces it there and here.
#include <cblas.h>

// OpenBLAS extension: the library's own thread pool. cnnclassify parallelises over the batch
// itself, so each sgemm call runs on the calling thread.
void openblas_set_num_threads(int num_threads);

// OpenBLAS (pthreads build): stops and joins the library's worker threads. Exported for its own
// fork handling, not declared in cblas.h. Started by the library's constructor before main, the
// workers spin for their first ~0.1 s waiting for work that never comes here.
int blas_thread_shutdown_(void);

// Flush-to-zero and denormals-are-zero for the calling thread. Late in training, softmax
// probabilities of very unlikely classes, and the gradients made from them, fall below 1e-38;
// on x86 every operation touching such a subnormal float takes a slow microcode path, which
// slows sgemm and the layer loops by a large factor. Values that small do not matter to training.
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline void cnn_flush_subnormals(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static inline void cnn_flush_subnormals(void) {}
#endif
