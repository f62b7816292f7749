#include "app/python_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "app/diagnostics.hpp"
#include "app/harness_files.hpp"

namespace gilsim::app {
namespace {

volatile sig_atomic_t g_signal = 0;
void on_signal(int sig) {
  g_signal = sig;
}

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_old[3];
int g_guards = 0;

void check_interrupted() {
  if (g_signal != 0) throw Interrupted(g_signal);
}

struct CpuTimes {
  long long busy = 0, total = 0;  // jiffies of all CPUs
  bool ok = false;
};

CpuTimes read_proc_stat() {
  CpuTimes t;
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long v[10] = {};
  if (!(in >> cpu) || cpu != "cpu") return t;
  for (long long& x : v) in >> x;
  // user nice system idle iowait irq softirq steal guest guest_nice
  t.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  t.total = t.busy + v[3] + v[4];
  t.ok = bool(in);
  return t;
}

double jiffies_per_second() {
  const long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? double(hz) : 100.0;
}

void write_file(const std::filesystem::path& p, const char* text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace

HarnessDir::HarnessDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gilsim-harness-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(std::string("cannot create a temporary directory: ") +
                             std::strerror(errno));
  }
  dir_ = tmpl;
  try {
    for (int i = 0; i < kHarnessFileCount; ++i) {
      write_file(dir_ / kHarnessFiles[i].name, kHarnessFiles[i].text);
    }
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
  // While harness files exist, an interruption is turned into Interrupted so that they (and
  // any process started) are cleaned up on the way out.
  if (g_guards++ == 0) {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
  }
}

HarnessDir::~HarnessDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (--g_guards == 0) {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  }
}

RunOutput run_python(const std::string& python, const std::vector<std::string>& args,
                     const std::filesystem::path& cwd, double timeout_s) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_s = {python};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  check_interrupted();
  const CpuTimes before = read_proc_stat();
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // its own group: killing -pid reaches everything it starts
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
    setenv("PYTHONUNBUFFERED", "1", 1);
    execv(python.c_str(), argv.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", python.c_str(), std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);  // also from here, so there is no window before the child does it
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);

  RunOutput r;
  bool killed = false, exited = false;
  int status = 0;
  rusage usage{};
  auto drain = [&] {
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      const int fd = i == 0 ? out_pipe[0] : err_pipe[0];
      for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        (i == 0 ? r.out : r.err).append(buf, std::size_t(n));
      }
    }
    if (r.err.size() > (1 << 20)) r.err.erase(0, r.err.size() - (1 << 16));
  };
  while (!exited) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    poll(fds, 2, 50);
    drain();
    exited = wait4(pid, &status, WNOHANG, &usage) == pid;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!exited && !killed && (g_signal != 0 || elapsed > timeout_s)) {
      r.timed_out = g_signal == 0;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  drain();  // what it wrote before exiting
  close(out_pipe[0]);
  close(err_pipe[0]);
  kill(-pid, SIGKILL);  // whatever it may have started
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_s = double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6 +
            double(usage.ru_stime.tv_sec) + double(usage.ru_stime.tv_usec) / 1e6;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  const CpuTimes after = read_proc_stat();
  if (before.ok && after.ok && r.wall_s > 0) {
    const double busy = double(after.busy - before.busy) / jiffies_per_second();
    r.other_load = std::max(0.0, busy - r.cpu_s) / r.wall_s;
  }
  check_interrupted();
  return r;
}

PythonInfo probe_python(const std::string& python) {
  auto bad = [&](const std::string& why) { return InputError(Diagnostic{python, 0, 0, "", why}); };
  if (python.empty()) throw bad("no interpreter given");
  if (access(python.c_str(), X_OK) != 0) {
    throw bad(std::string("cannot run this interpreter: ") + std::strerror(errno));
  }
  const std::string code =
      "import sys\n"
      "try:\n import sysconfig; ft = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))\n"
      "except Exception: ft = False\n"
      "v = sys.version_info\n"
      "sys.stdout.write('%d.%d%s %s\\n' % (v[0], v[1], 't' if ft else '', "
      "sys.version.split()[0]))\n"
      // The build: compiler, -O level, and libpython as mapped into this very process.
      "b = []\n"
      "try:\n import platform; b.append(platform.python_compiler())\n"
      "except Exception: pass\n"
      "try:\n import sysconfig\n"
      " b += [f for f in (sysconfig.get_config_var('OPT') or '').split() if "
      "f.startswith('-O')][-1:]\n"
      "except Exception: pass\n"
      "try:\n"
      " m = open('/proc/self/maps').read()\n"
      " b.append('libpython shared' if 'libpython' in m else 'libpython linked in')\n"
      "except Exception: pass\n"
      "sys.stdout.write(', '.join(x for x in b if x) + '\\n')\n";
  RunOutput r;
  try {
    r = run_python(python, {"-c", code}, std::filesystem::temp_directory_path(), 30);
  } catch (const std::exception& e) {
    throw bad(e.what());
  }
  std::istringstream in(r.out);
  PythonInfo info;
  info.path = python;
  if (r.exit_code != 0 || !(in >> info.version >> info.full_version)) {
    std::string why = r.err.substr(0, r.err.find('\n'));
    throw bad("is not a working Python interpreter" + (why.empty() ? "" : " (" + why + ")"));
  }
  in >> std::ws;
  std::getline(in, info.build);
  info.free_threaded = !info.version.empty() && info.version.back() == 't';
  return info;
}

double wait_for_quiet(double threshold, double limit_s) {
  const auto start = std::chrono::steady_clock::now();
  double load = -1;
  for (;;) {
    check_interrupted();
    const CpuTimes a = read_proc_stat();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const CpuTimes b = read_proc_stat();
    if (!a.ok || !b.ok) return -1;
    load = double(b.busy - a.busy) / jiffies_per_second() / 0.3;
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (load < threshold || waited > limit_s) return load;
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
}

std::string cpu_description(std::istream& cpuinfo) {
  std::string model = "unknown CPU", family, number, stepping;
  const auto value = [](const std::string& line) {
    const std::size_t colon = line.find(':');
    return colon == std::string::npos ? std::string() : line.substr(colon + 2);
  };
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.empty()) break;  // the first processor's block only
    const std::string key = line.substr(0, line.find_first_of("\t:"));
    if (key == "model name") model = value(line);
    if (key == "cpu family") family = value(line);
    if (key == "model") number = value(line);
    if (key == "stepping") stepping = value(line);
  }
  // Virtual machines often show a bare "AMD EPYC": the family and model tell generations apart.
  if (!family.empty() && !number.empty()) {
    model += " (family " + family + ", model " + number +
             (stepping.empty() ? "" : ", stepping " + stepping) + ")";
  }
  return model;
}

std::string host_description() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  utsname u{};
  uname(&u);
  return cpu_description(cpuinfo) + ", " + std::to_string(std::thread::hardware_concurrency()) +
         " logical CPUs, " + u.sysname + " " + u.release;
}

}  // namespace gilsim::app
