#!/usr/bin/env python3
"""Benchmark rolecall: generate synthetic models and time check, Markdown-only
build and full build (with PDFs, PDF cache off) with each PDF engine; then the
PDF cache: the largest model's rebuild after one role's responsibilities were
edited against its cold build, and Northwind's rebuild with nothing changed.
Run by `make bench`.

Usage: scripts/bench.py [--bin target/release/rolecall] [--runs 3] [--sizes 15x30x42,300x2000x600]
       scripts/bench.py --holders 10000,20000 [--name "Holder {i:05}"]
Sizes are ROLESxPEOPLExACTIVITIES; `northwind` stands for examples/northwind.
With --holders, only `check` of a model whose one role has that many holders is
measured: wall time and peak memory from /usr/bin/time -v (issue 11, item 7),
each holder named by the --name pattern.
The cache figures are ratios of runs in turn (cold, rebuild, cold, rebuild, ...),
each rebuild divided by the cold build just before it; the median is printed.
The cold build is also run in turn with typst alone compiling its kept sources
(five rounds at least), on the disk and, where /dev/shm is a tmpfs, in memory.
"""
import argparse
import os
import shutil
import resource
import statistics
import subprocess
import sys
import tempfile
import time

GROUPS = ["Leadership", "Planning and risk", "Support", "Operation",
          "Performance evaluation", "Improvement", "Annex A controls"]
REFS = ["5.3", "6.1.2", "7.2", "7.5", "8.1", "9.2", "9.3", "10.2", "A.5.2", "A.5.15", "A.8.32"]


def generate(path, roles, people, activities, edit=False):
    """Writes a valid model with the given counts (one person holds one to two roles).
    With `edit`, role r002's responsibilities are changed (one line reworded)."""
    out = []
    out.append('[organisation]\nname = "Bench Corp"\nscope = "Everything Bench Corp does."\n')
    out.append('[policy]\nid = "BENCH-POL-01"\nversion = "1.0"\nowner = "r001"\napprover = "r000"\n'
               'effective = 2026-01-15\nlast-review = 2026-01-10\nreview-months = 12\n')
    out.append('[[policy.history]]\nversion = "1.0"\ndate = 2026-01-15\nauthor = "p00000"\n'
               'summary = "First issue"\n')
    out.append('[lint]\nallow = ["RC023", "RC042", "RC061"]\n')
    for p in range(people):
        out.append(f'[[people]]\nid = "p{p:05}"\nname = "Person {p} Example"\n'
                   f'title = "Job title {p % 37}"\ndepartment = "Department {p % 12}"\n')
    for r in range(roles):
        holders = [f'"p{(r * 3 + k) % people:05}"' for k in range(1 + (r % 2))]
        extra = ""
        if r == 0:
            extra = "top-management = true\n"
        elif r == 1:
            extra = 'isms-conformity = true\nisms-reporting = true\nreports-to = "r000"\n'
        else:
            extra = f'reports-to = "r{(r - 1) // 4:03}"\n'
        out.append(f'[[roles]]\nid = "r{r:03}"\nname = "Role {r} of the organisation"\n'
                   f'short-name = "R{r}"\nholders = [{", ".join(holders)}]\n{extra}'
                   f'purpose = "Carries out *role {r}*."\n'
                   f'responsibilities = ["Do task A of role {r}", "Do task B of role {r}", '
                   f'"{"Report monthly" if edit and r == 2 else "Report"} on role {r}"]\n'
                   f'authorities = ["Decide on matters of role {r}"]\n'
                   f'competence = ["Knowledge for role {r}"]\nrefs = ["A.5.2"]\n')
    # Internal audit (the activities referencing 9.2) is done by the last role
    # alone, which takes no other responsible or accountable part: the auditors'
    # independence rules (RC053, RC054) hold, as in a real model.
    auditor = roles - 1
    for a in range(activities):
        if REFS[a % len(REFS)] == "9.2":
            r, acc_r = auditor, 0
        else:
            r = a % roles
            acc_r = (a * 7) % roles
            r = r if r != auditor else (r - 1) % roles
            acc_r = acc_r if acc_r != auditor else (acc_r - 1) % roles
        acc = f'"r{acc_r:03}"'
        resp = f'"r{r:03}"'
        cons = f'"r{(r + 1) % roles:03}"'
        inf = f'"r{(r + 2) % roles:03}"'
        if len({acc, resp, cons, inf}) < 4:
            cons, inf = "", ""
        out.append(f'[[activities]]\nid = "a{a:04}"\nname = "Activity {a} of the ISMS"\n'
                   f'group = "{GROUPS[a % len(GROUPS)]}"\nrefs = ["{REFS[a % len(REFS)]}"]\n'
                   f'responsible = [{resp}]\naccountable = {acc}\n'
                   f'consulted = [{cons}]\ninformed = [{inf}]\n')
    with open(path, "w") as f:
        f.write("\n".join(out))


def generate_holders(path, n, name):
    """Writes a model whose role `staff` is held by `n` people named by the
    pattern `name` (`{i}` is the person's number), beside a managing director."""
    out = ['[organisation]\nname = "Holders Corp"\nscope = "Everything."\n',
           '[policy]\nid = "HOLD-POL-01"\nversion = "1.0"\nowner = "staff"\napprover = "ceo"\n'
           'effective = 2026-01-15\n',
           '[lint]\nallow = ["RC023"]\n',
           '[[people]]\nid = "boss"\nname = "The Boss"\ntitle = "Managing Director"\n']
    for i in range(n):
        out.append(f'[[people]]\nid = "p{i:05}"\nname = "{name.format(i=i)}"\ntitle = "Staff"\n')
    holders = ", ".join(f'"p{i:05}"' for i in range(n))
    out.append('[[roles]]\nid = "ceo"\nname = "Managing Director"\ntop-management = true\n'
               'holders = ["boss"]\nresponsibilities = ["Lead"]\nauthorities = ["Decide"]\n')
    out.append(f'[[roles]]\nid = "staff"\nname = "Staff"\nholders = [{holders}]\nreports-to = "ceo"\n'
               'isms-conformity = true\nisms-reporting = true\n'
               'responsibilities = ["Work"]\nauthorities = ["Decide on the work"]\n')
    out.append('[[activities]]\nid = "work"\nname = "Do the work"\nresponsible = ["staff"]\n'
               'accountable = "ceo"\n')
    with open(path, "w") as f:
        f.write("\n".join(out))


def time_v(cmd):
    """Wall seconds and peak resident memory (MB) of one run, by /usr/bin/time -v,
    and the command's exit code."""
    res = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    wall = rss = None
    for line in res.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            parts = line.rsplit(" ", 1)[1].split(":")
            wall = sum(float(p) * 60 ** i for i, p in enumerate(reversed(parts)))
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024
        elif line.startswith("Exit status"):
            code = int(line.rsplit(" ", 1)[1])
    return wall, rss, code


def holders(args):
    work = tempfile.mkdtemp(prefix="rolecall-bench-")
    try:
        for n in (int(x) for x in args.holders.split(",")):
            model = os.path.join(work, f"holders-{n}.toml")
            generate_holders(model, n, args.name)
            size = os.path.getsize(model) / 1e6
            for _ in range(args.runs):
                wall, rss, code = time_v([args.bin, "check", model, "--date", "2026-11-23"])
                print(f"{n} holders ({size:.1f} MB model): check {wall:.2f} s, {rss:.0f} MB, "
                      f"exit {code}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if res.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    return statistics.median(times)


def timed_cpu(cmd):
    """Wall and CPU seconds (user + system, the command and every process it
    waited for) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def timed_split(cmd):
    """Wall seconds of one run, with its CPU seconds (user + system) split into
    those of the process itself and those of the processes it waited for
    (typst). The latter are read from /proc while it runs (Linux): its last
    typst run is waited for before the bundle is written, so the last reading
    holds them all."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    children = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children = (int(fields[13]) + int(fields[14])) / tick
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.01)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu - children, children


def typst_alone(args, model, work, date):
    """A cold build (`--no-cache`) against typst alone compiling the same kept
    sources with the same flags, two at a time as the build runs them, writing
    over its previous PDFs and into a new folder; run in turn. Returns the
    medians of build / typst (both ways), of build / the 2-core floor (half of
    the build's CPU time: typst's and rolecall's own, on two cores), and of the
    CPU seconds of rolecall itself, of its typst runs and of typst alone."""
    out = os.path.join(work, "typst-alone")
    build = [args.bin, "build", model, "-o", out, "-q", "--force", "--no-cache", "--jobs", "2"] + date
    subprocess.run(build + ["--keep-sources"], check=True, stdout=subprocess.DEVNULL)
    [src] = [os.path.join(out, d) for d in os.listdir(out) if d.endswith(".typst")]
    batches = sorted(f for f in os.listdir(src) if f.startswith("bundle-") and f.endswith(".typ"))
    pdfs = os.path.join(work, "typst-alone-pdfs")
    os.makedirs(pdfs, exist_ok=True)
    # The flags rolecall passes (src/pdf.rs): the creation timestamp is the
    # policy's effective date, 2026-01-15 in the generated models.
    flags = ["--root", src, "--creation-timestamp", "1768435200", "--pdf-standard", "a-2b",
             "--diagnostic-format", "short", "--ignore-system-fonts",
             "--features", "bundle", "--format", "bundle"]
    compile_all = ('printf "%s\\n" "$@" | xargs -P 2 -I{} typst compile ' +
                   " ".join(flags) + ' "' + src + '/{}" "' + pdfs + '/"')
    typst = ["sh", "-c", compile_all, "sh"] + batches
    # As a build must: its PDFs are new files, and what the run before made is
    # removed (a build removes its staging folder, or the bundle it replaced).
    fresh = ["sh", "-c", f'rm -rf "{pdfs}" && mkdir "{pdfs}" && ' + compile_all, "sh"] + batches
    ratios, fresh_ratios, floors, split = [], [], [], []
    # The three commands' times swing by a tenth from round to round on a shared
    # machine: five rounds at least, so that the median is not one lucky pair.
    for _ in range(alone_rounds(args) + 1):  # the first round warms up and is not counted
        wall, own, in_build = timed_split(build)
        t, cpu = timed_cpu(typst)
        f, _ = timed_cpu(fresh)
        ratios.append(wall / t)
        fresh_ratios.append(wall / f)
        floors.append(wall / ((own + in_build) / 2))
        split.append((own, in_build, cpu))
    split = split[1:]
    return (statistics.median(ratios[1:]), statistics.median(fresh_ratios[1:]),
            statistics.median(floors[1:]),
            tuple(statistics.median(x[i] for x in split) for i in range(3)))


def memory_dir():
    """A new directory on a tmpfs (/dev/shm on Linux), or None where there is none."""
    try:
        with open("/proc/mounts") as f:
            tmpfs = any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in f)
    except OSError:
        return None
    if not tmpfs or not os.access("/dev/shm", os.W_OK):
        return None
    return tempfile.mkdtemp(prefix="rolecall-bench-", dir="/dev/shm")


def alone_rounds(args):
    """How many rounds `typst_alone` counts."""
    return max(args.runs, 5)


def cache_ratio(cold_cmd, again_cmd, cache, runs):
    """Runs in turn: the cold build on an empty cache, then `again_cmd` on the cache it
    left. Returns the median rebuild / cold ratio and the median times of both."""
    colds, agains, ratios = [], [], []
    for _ in range(runs + 1):  # the first pair warms the machine up and is not counted
        shutil.rmtree(cache, ignore_errors=True)
        c = timed(cold_cmd, 1)
        a = timed(again_cmd, 1)
        colds.append(c)
        agains.append(a)
        ratios.append(a / c)
    return (statistics.median(ratios[1:]), statistics.median(colds[1:]),
            statistics.median(agains[1:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/rolecall")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="northwind,100x500x200,300x2000x600")
    ap.add_argument("--holders", help="N[,N...]: time `check` of one role with N holders")
    ap.add_argument("--name", default="Holder {i:05}", help="how --holders names each holder")
    args = ap.parse_args()
    if args.holders:
        return holders(args)
    work = tempfile.mkdtemp(prefix="rolecall-bench-")
    try:
        print(f"{'model':<22} {'check':>8} {'build md':>9} {'build pdf (bundle)':>19} {'build pdf (per-doc)':>20}")
        for size in args.sizes.split(","):
            if size == "northwind":
                model = "examples/northwind"
            else:
                r, p, a = (int(x) for x in size.split("x"))
                model = os.path.join(work, f"{size}.toml")
                generate(model, r, p, a)
            out = os.path.join(work, "out")
            base = [args.bin]
            date = ["--date", "2026-11-23"]
            t_check = timed(base + ["check", model] + date, args.runs)
            # --force: each build replaces the last one's different bundle of the same date.
            built = base + ["build", model, "-o", out, "-q", "--force"] + date
            t_md = timed(built + ["--format", "md"], args.runs)
            t_pdf = timed(built + ["--no-cache"], args.runs)
            t_per = timed(built + ["--no-cache", "--pdf-engine", "per-document"], args.runs)
            print(f"{size:<22} {t_check:>7.3f}s {t_md:>8.3f}s {t_pdf:>18.3f}s {t_per:>19.3f}s", flush=True)
        print()
        sizes = [s for s in args.sizes.split(",") if s != "northwind"]
        cache = os.path.join(work, "cache")
        out = os.path.join(work, "out")
        date = ["--date", "2026-11-23"]
        if sizes:
            size = sizes[-1]
            r, p, a = (int(x) for x in size.split("x"))
            model = os.path.join(work, f"{size}.toml")
            edited = os.path.join(work, f"{size}-edited.toml")
            generate(model, r, p, a)
            generate(edited, r, p, a, edit=True)
            build = lambda m: [args.bin, "build", m, "-o", out, "-q", "--force", "--cache-dir", cache] + date
            ratio, cold, again = cache_ratio(build(model), build(edited), cache, args.runs)
            print(f"{size}: rebuild after editing one role's responsibilities / cold build: "
                  f"{ratio:.2f} (median of {args.runs} pairs; cold {cold:.3f}s, rebuild {again:.3f}s)")
            # On the disk, as builds run; then, where there is one, in memory (tmpfs), as
            # issue 14 measured: there a new file costs no inode search of the disk's.
            places = [(work, "")]
            memory = memory_dir()
            if memory:
                places.append((memory, ", in memory (tmpfs)"))
            try:
                for place, where in places:
                    vs_typst, vs_fresh, vs_floor, (own, in_build, alone) = typst_alone(
                        args, model, place, date)
                    print(f"{size}{where}: cold build / typst alone on its sources: "
                          f"{vs_typst:.2f} (into a new folder, as the build writes: "
                          f"{vs_fresh:.2f}); / the 2-core floor (half its CPU time): "
                          f"{vs_floor:.2f} (medians of {alone_rounds(args)} rounds)", flush=True)
                    print(f"{size}{where}: CPU seconds of the cold build: rolecall's own "
                          f"{own:.2f}, its typst runs' {in_build:.2f}; of typst alone "
                          f"{alone:.2f} (medians)", flush=True)
            finally:
                if memory:
                    shutil.rmtree(memory, ignore_errors=True)
        build = [args.bin, "build", "examples/northwind", "-o", out, "-q", "--force", "--cache-dir", cache] + date
        ratio, cold, again = cache_ratio(build, build, cache, args.runs)
        print(f"northwind: rebuild with nothing changed: {again:.3f}s "
              f"(/ cold build {ratio:.2f}, median of {args.runs} pairs; cold {cold:.3f}s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
