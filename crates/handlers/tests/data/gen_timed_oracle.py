"""Records CPython's TimedRotatingFileHandler schedule as test data.

For each time zone, `when`, interval, utc flag, atTime and start time, writes one
line:  tz when interval utc at start rollover current suffix next
where rollover = computeRollover(start), and suffix/next are what doRollover does
at `current` (the rotated file's suffix and the new rolloverAt).
Run: python3 gen_timed_oracle.py > timed_oracle.txt   (CPython 3.11)
"""
import datetime, logging.handlers, os, sys, tempfile, time, random

ZONES = ["UTC", "America/New_York", "Australia/Sydney"]
CONFIGS = [
    ("S", 1, None), ("S", 30, None), ("M", 5, None), ("H", 1, None), ("H", 3, None),
    ("D", 1, None), ("D", 2, None), ("MIDNIGHT", 1, None), ("MIDNIGHT", 1, (2, 30, 0)),
    ("MIDNIGHT", 3, (23, 59, 59)), ("W0", 1, None), ("W3", 1, None), ("W6", 1, None),
    ("W6", 2, (23, 0, 0)), ("W2", 1, (1, 30, 0)),
]
# Around the 2024 DST changes of New York (Mar 10, Nov 3) and Sydney (Apr 7, Oct 6).
ANCHORS = [1710054000, 1710050400, 1730613600, 1730617200, 1712415600, 1728144000, 1700000000]
random.seed(7)
STARTS = sorted({a + d for a in ANCHORS for d in (-1, 0, 3599)} |
                {random.randrange(1_600_000_000, 1_800_000_000) for _ in range(3)})

def main():
    out = sys.stdout
    d = tempfile.mkdtemp()
    for tz in ZONES:
        os.environ["TZ"] = tz
        time.tzset()
        for when, interval, at in CONFIGS:
            for utc in (False, True):
                at_time = datetime.time(*at) if at else None
                h = logging.handlers.TimedRotatingFileHandler(
                    os.path.join(d, "x.log"), when=when, interval=interval, utc=utc,
                    atTime=at_time, delay=True)
                names = []
                h.namer = lambda name: names.append(name) or name
                for start in STARTS:
                    r = h.computeRollover(start)
                    for current in (r, r + 3599):
                        h.rolloverAt = r
                        names.clear()
                        real = time.time
                        time.time = lambda: current
                        try:
                            h.doRollover()
                        finally:
                            time.time = real
                        suffix = names[0].rsplit("x.log.", 1)[1]
                        at_s = "-" if at is None else "%02d:%02d:%02d" % at
                        out.write(f"{tz} {when} {interval} {int(utc)} {at_s} {start} {r} {current} {suffix} {h.rolloverAt}\n")
                h.close()

main()
