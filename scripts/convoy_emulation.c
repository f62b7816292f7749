/* The convoy effect with CPython 3.11's GIL algorithm, in plain C (no Python): N CPU-bound
 * threads and an I/O thread that sleeps 1 ms, then works 50 us, over and over. The GIL follows
 * take_gil/drop_gil of CPython's Python/ceval_gil.c: a mutex and condition variable, timed waits
 * of one switch interval that post a drop request when nothing changed hands, and the forced
 * switch (the dropper waits until another thread has taken it). The CPU-bound threads check
 * for a drop request about every microsecond, as the eval loop does at its checks.
 *
 * It tells a machine's own scheduling apart from the interpreter's: where its I/O thread
 * starves as long as a real interpreter's, the cause is the kernel's (or the hypervisor's)
 * placement of wake-ups, not Python. Record it with perf and read the placements with
 * scripts/gil_trace.py's scheduler part, as for a real run (docs/model-notes.md).
 *
 *     cc -O2 -pthread -o convoy_emulation scripts/convoy_emulation.c
 *     ./convoy_emulation [INTERVAL_US=5000] [CPU_BOUND=3] [FORCE_SWITCHING=1] [WORK_S=4]
 *
 * It prints the I/O thread's waits for the GIL (from the nominal end of its sleep) while the
 * CPU-bound work lasts: median, p99, and their count by switch intervals. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
// The fields in the order of CPython's _gil_runtime_state (cond, mutex, switch_cond,
// switch_mutex), so that scripts/gil_trace.py finds them in a trace as it does a real GIL's.
static struct {
  pthread_cond_t cond;
  pthread_mutex_t mutex;
  pthread_cond_t switch_cond;
  pthread_mutex_t switch_mutex;
  int locked;
  unsigned long switch_number;
  int last_holder;
} g = {PTHREAD_COND_INITIALIZER,
       PTHREAD_MUTEX_INITIALIZER,
       PTHREAD_COND_INITIALIZER,
       PTHREAD_MUTEX_INITIALIZER,
       0,
       0,
       -1};
static atomic_int drop_request;
static long interval_us = 5000;
static int force_switching = 1;
static double work_s = 4.0;
static int calls = 300;
static int ncpu = 3;
static atomic_int cpu_done;
static void take_gil(int id) {
  pthread_mutex_lock(&g.mutex);
  while (g.locked) {
    unsigned long saved = g.switch_number;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + interval_us * 1000;
    ts.tv_sec += ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    int r = pthread_cond_timedwait(&g.cond, &g.mutex, &ts);
    if (r == ETIMEDOUT && g.locked && g.switch_number == saved) atomic_store(&drop_request, 1);
  }
  pthread_mutex_lock(&g.switch_mutex);
  g.locked = 1;
  if (g.last_holder != id) {
    g.last_holder = id;
    g.switch_number++;
  }
  pthread_cond_signal(&g.switch_cond);
  pthread_mutex_unlock(&g.switch_mutex);
  if (atomic_load(&drop_request)) atomic_store(&drop_request, 0);
  pthread_mutex_unlock(&g.mutex);
}
static void drop_gil(int id, int forced) {
  pthread_mutex_lock(&g.mutex);
  g.locked = 0;
  pthread_cond_signal(&g.cond);
  pthread_mutex_unlock(&g.mutex);
  if (forced && force_switching && atomic_load(&drop_request)) {
    pthread_mutex_lock(&g.switch_mutex);
    if (g.last_holder == id) {
      atomic_store(&drop_request, 0);
      pthread_cond_wait(&g.switch_cond, &g.switch_mutex);
    }
    pthread_mutex_unlock(&g.switch_mutex);
  }
}
static volatile unsigned long sink;
static void compute_us(double us) {  // about 1 us per check, like the eval loop's breaker checks
  double end = now() + us * 1e-6;
  while (now() < end) {
    for (int i = 0; i < 50; i++) sink += i;
  }
}
static void* cpu_thread(void* a) {
  int id = (int)(long)a;
  take_gil(id);
  double done = 0;
  while (done < work_s) {
    double t0 = now();
    compute_us(1);
    done += now() - t0;
    if (atomic_load(&drop_request)) {
      drop_gil(id, 1);
      take_gil(id);
    }
  }
  drop_gil(id, 0);
  atomic_fetch_add(&cpu_done, 1);
  return NULL;
}
static double waits[100000];
static int nw;
static void* io_thread(void* a) {
  int id = (int)(long)a;
  take_gil(id);
  for (int i = 0; i < calls; i++) {
    drop_gil(id, 0);
    struct timespec ts = {0, 1000000};
    double nominal = now() + 1e-3;
    nanosleep(&ts, NULL);
    take_gil(id);
    if (atomic_load(&cpu_done) < ncpu) waits[nw++] = now() - nominal;
    compute_us(50);
    if (atomic_load(&drop_request)) {
      drop_gil(id, 1);
      take_gil(id);
    }
  }
  drop_gil(id, 0);
  return NULL;
}
static int cmp(const void* x, const void* y) {
  double a = *(double*)x, b = *(double*)y;
  return a < b ? -1 : a > b;
}
int main(int argc, char** argv) {
  if (argc > 1) interval_us = atol(argv[1]);
  if (argc > 2) ncpu = atoi(argv[2]);
  if (argc > 3) force_switching = atoi(argv[3]);
  if (argc > 4) work_s = atof(argv[4]);
  pthread_t t[16];
  double t0 = now();
  for (int i = 0; i < ncpu; i++) pthread_create(&t[i], NULL, cpu_thread, (void*)(long)i);
  struct timespec ts = {0, 2000000};
  nanosleep(&ts, NULL);
  pthread_t io;
  pthread_create(&io, NULL, io_thread, (void*)(long)ncpu);
  pthread_join(io, NULL);
  double io_end = now() - t0;
  for (int i = 0; i < ncpu; i++) pthread_join(t[i], NULL);
  double end = now() - t0;
  qsort(waits, nw, sizeof waits[0], cmp);
  int per[32] = {0};
  for (int i = 0; i < nw; i++) {
    int k = (int)(waits[i] * 1e6 / interval_us + 0.5);
    if (k > 31) k = 31;
    per[k]++;
  }
  printf(
      "interval %ld us, %d CPU-bound: io finish %.2f s, all %.2f s; %d waits during CPU work: p50 "
      "%.2f ms p99 %.1f ms; by interval:",
      interval_us, ncpu, io_end, end, nw, nw ? waits[nw / 2] * 1e3 : 0,
      nw ? waits[(int)(nw * 0.99)] * 1e3 : 0);
  for (int k = 0; k < 12; k++) printf(" %d:%d", k, per[k]);
  printf("\n");
}
