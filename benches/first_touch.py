#!/usr/bin/env python3
"""How fast this machine hands a process fresh memory.

Writes a fresh anonymous mapping of SIZE GiB (default 2) 2 MiB at a time,
closes it, and repeats: the first round, and a round after a pause, take
memory the kernel has not used for a while; the rounds right after another
take back what the previous round freed. On a virtual machine whose balloon
device reports free pages to its host (feature bit 5 in
/sys/bus/virtio/drivers/virtio_balloon/virtio*/features), the host drops
memory the guest has kept free for a few seconds, and taking it again costs
many times more (docs/performance.md).

usage: python3 benches/first_touch.py [SIZE_GIB] [huge]
"""
import mmap
import sys
import time

size = int(sys.argv[1]) << 30 if len(sys.argv) > 1 else 2 << 30
huge = "huge" in sys.argv[2:]
step = 2 << 20
chunk = b"\1" * step


def one_round():
    m = mmap.mmap(-1, size)
    if huge:
        m.madvise(mmap.MADV_HUGEPAGE)
    started = time.time()
    for off in range(0, size, step):
        m[off:off + step] = chunk
    took = time.time() - started
    m.close()
    return took


for name, pause in [("first", 0), ("again", 0), ("again", 0), ("after 5 s", 5)]:
    time.sleep(pause)
    took = one_round()
    print(f"{name:>9}: {took:6.2f} s ({took / (size / 2**30):.2f} s per GiB)", flush=True)
