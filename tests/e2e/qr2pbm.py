"""Turns a terminal QR code (UTF-8 half blocks or '##' ASCII, as pam_workos
draws it) read from stdin into a PBM image on stdout, so that zbarimg can
decode what a phone would scan.  Lines without QR characters are skipped."""
import sys

SCALE = 4
rows = []
for line in sys.stdin.read().splitlines():
    line = line.rstrip("\r")
    if any(c in line for c in "█▀▄"):
        top, bottom = [], []
        for c in line:
            top.append(c in "█▀")
            bottom.append(c in "█▄")
        rows += [top, bottom]
    elif line.strip() and set(line) <= {"#", " "} and "##" in line:
        rows.append([line[i:i + 2] == "##" for i in range(0, len(line), 2)])
if not rows:
    sys.exit("no QR code in the input")
width = max(len(r) for r in rows)
# The terminal draws light modules: drawn characters are light, blanks dark.
# Pad with light modules so the quiet zone stays intact.
pad = 4
out = []
for r in [[True] * width] * pad + rows + [[True] * width] * pad:
    r = [True] * pad + r + [True] * (width - len(r)) + [True] * pad
    px = "".join("0" if light else "1" for light in r for _ in range(SCALE))
    out += [px] * SCALE
sys.stdout.write("P1\n%d %d\n" % (len(out[0]), len(out)))
sys.stdout.write("\n".join(out) + "\n")
