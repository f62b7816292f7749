"""The C probes of scripts/ build warning-free and run (run: python3 THIS_FILE).

scripts/convoy_emulation.c (the convoy with 3.11's GIL algorithm, no Python) and
scripts/wake_home_probe.c (where Linux wakes a thread whose CPU is busy) back claims in
docs/model-notes.md; these tests keep them compiling and their output in the documented shape.
Their figures depend on the machine, so only the shape and the counts are checked."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")


def build(name, out_dir):
    exe = os.path.join(out_dir, name)
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", exe,
                    os.path.join(SCRIPTS, name + ".c")], check=True)
    return exe


@unittest.skipUnless(shutil.which("cc"), "no C compiler")
class CProbes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.emulation = build("convoy_emulation", cls.dir)
        cls.probe = build("wake_home_probe", cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_the_convoy_emulation_reports_the_io_thread_s_waits_by_interval(self):
        p = subprocess.run([self.emulation, "5000", "1", "1", "0.05"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.match(r"interval 5000 us, 1 CPU-bound: io finish [\d.]+ s, all [\d.]+ s; (\d+) "
                     r"waits during CPU work: p50 [\d.]+ ms p99 [\d.]+ ms; by interval:((?: \d+:\d+)+)",
                     p.stdout)
        self.assertIsNotNone(m, p.stdout)
        by_interval = [int(pair.split(":")[1]) for pair in m.group(2).split()]
        self.assertLessEqual(sum(by_interval), int(m.group(1)))

    @unittest.skipUnless(len(os.sched_getaffinity(0)) >= 2, "needs two CPUs")
    def test_the_wake_home_probe_counts_every_wake_up_once(self):
        p = subprocess.run([self.probe, "0.05", "20", "10"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"stayed (\d+), moved (\d+) \((\d+) not samples\)", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        self.assertEqual(sum(int(x) for x in m.groups()), 10)

    def test_the_wake_home_probe_without_its_arguments_says_how_to_call_it_and_exits_2(self):
        p = subprocess.run([self.probe], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage:", p.stderr)


if __name__ == "__main__":
    unittest.main()
