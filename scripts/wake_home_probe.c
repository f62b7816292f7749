/* Where Linux wakes a thread whose own CPU is busy while another CPU idles.
 *
 * gilsim's `os.delayed_dequeue` models EEVDF's delayed dequeue (Linux 6.12 and later): a
 * thread that blocks after using more than its CPU's average virtual runtime, while another
 * thread waits for that CPU, stays in the CPU's run queue until the CPU picks it or it is woken,
 * and a wake-up then puts it back there without looking for an idle CPU. This probe shows it.
 *
 * Thread X spins pinned to CPU 0. Thread Y, pinned to CPU 0 beside it, computes `spin_ms`
 * (wall time), lifts its pinning, blocks on a futex, and X wakes it `wake_after_us` later. Y
 * then reports which CPU it woke on. CPU 1 idles throughout. Y stays on CPU 0 when it blocked
 * within the slice it was given (it used more than X meanwhile: delayed); after a longer
 * computation it blocks right after being picked again (not delayed) and moves to CPU 1.
 *
 *     cc -O2 -pthread -o wake_home_probe scripts/wake_home_probe.c
 *     ./wake_home_probe 0.1 20 200     # stays on CPU 0 nearly every time (Linux 6.18)
 *     ./wake_home_probe 3 20 200       # moves to the idle CPU nearly every time
 *
 * Needs 2 or more CPUs, and no other load. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void pin(int cpu, int also) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (also >= 0) CPU_SET(also, &set);
  sched_setaffinity(0, sizeof set, &set);
}

static void spin(double seconds) {
  const double end = now() + seconds;
  while (now() < end) {
  }
}

static atomic_int word, waiting, stop;
static double wake_after;

static void* waker(void* arg) {
  (void)arg;
  pin(0, -1);
  while (!atomic_load(&stop)) {
    if (!atomic_load(&waiting)) continue;
    spin(wake_after);
    atomic_store(&waiting, 0);
    atomic_store(&word, 1);
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SPIN_MS WAKE_AFTER_US TIMES\n", argv[0]);
    return 2;
  }
  const double spin_s = atof(argv[1]) * 1e-3;
  wake_after = atof(argv[2]) * 1e-6;
  const int times = atoi(argv[3]);
  pthread_t x;
  pthread_create(&x, NULL, waker, NULL);
  usleep(100000);
  int stayed = 0, moved = 0, skipped = 0;
  for (int i = 0; i < times; ++i) {
    pin(0, -1);
    spin(spin_s);
    pin(0, 1);
    if (sched_getcpu() != 0) {  // migrated before blocking: not a sample
      ++skipped;
      continue;
    }
    atomic_store(&word, 0);
    atomic_store(&waiting, 1);
    while (atomic_load(&word) == 0) {
      syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    }
    if (sched_getcpu() == 0) {
      ++stayed;
    } else {
      ++moved;
    }
    usleep(2000);
  }
  atomic_store(&stop, 1);
  pthread_join(x, NULL);
  printf("computed %.2f ms, woken %.0f us later by a thread on its CPU: stayed %d, moved %d",
         spin_s * 1e3, wake_after * 1e6, stayed, moved);
  printf(" (%d not samples)\n", skipped);
  return 0;
}
