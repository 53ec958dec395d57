"""Picks a small corpus from a libFuzzer merge control file: every hand-written seed and
past crash (files not named by a 40-digit hash), then, greedily, the inputs that add the
most coverage edges per byte, until FRACTION of all edges is covered.

    cargo fuzz run --sanitizer none -a TARGET /tmp/out ALL_INPUTS -- \\
        -merge=1 -merge_control_file=/tmp/ctl
    python3 cover.py /tmp/ctl seeds/TARGET.new [FRACTION]
"""
import sys, os, shutil, heapq
ctl, dest = sys.argv[1], sys.argv[2]
frac = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
lines = open(ctl).read().split('\n')
n = int(lines[0]); files = lines[2:2+n]
cov = {}
for l in lines[2+n:]:
    p = l.split()
    if p and p[0] == 'COV':
        cov[int(p[1])] = set(p[2:])
size = {i: os.path.getsize(files[i]) for i in cov}
keep = [i for i in cov if len(os.path.basename(files[i])) != 40]
covered = set()
for i in keep: covered |= cov[i]
allcov = set().union(*cov.values())
chosen = list(keep)
heap = [(-(len(cov[i] - covered)) / (size[i] + 64), i) for i in cov if i not in keep]
heapq.heapify(heap)
while heap and len(covered) < frac * len(allcov):
    s, i = heapq.heappop(heap)
    g = len(cov[i] - covered) / (size[i] + 64)
    if g == 0: continue
    if heap and -g > heap[0][0]:
        heapq.heappush(heap, (-g, i)); continue
    chosen.append(i); covered |= cov[i]
os.makedirs(dest, exist_ok=True)
for i in chosen:
    shutil.copy(files[i], os.path.join(dest, os.path.basename(files[i])))
print(len(chosen), sum(size[i] for i in chosen), len(covered), len(allcov))
